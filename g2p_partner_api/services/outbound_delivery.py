"""HTTP side of outbound notifications: send, sign, classify the answer, back off."""

import hashlib
import hmac
import json
from dataclasses import dataclass

import requests

from . import jsonpath, url_guard

RETRYABLE_STATUS = {408, 429}
MAX_BACKOFF = 3600


@dataclass
class SendResult:
    status_code: int | None
    text: str | None
    error: str | None = None
    retry_after: int | None = None
    final: bool = False  # not sent on purpose (refused destination, redirect): never retried


def signature_headers(subscription, body):
    headers = {"Content-Type": "application/json", "User-Agent": "g2p-partner-api/1.0"}
    if subscription.signing == "hmac":
        secret = subscription.sudo().hmac_secret
        if secret:
            headers["X-G2P-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    elif subscription.signing == "jws":
        headers["X-G2P-JWS"] = subscription.env["g2p.api.signing.key"].sudo()._sign(json.loads(body))
    return headers


def refused(reason):
    return SendResult(None, None, f"not sent: {reason}"[:250], final=True)


def send(method, url, body, headers, timeout, destination_policy):
    """One HTTP call to a destination ``destination_policy`` allows, checked again on the address
    connected to. A redirect is not followed and its answer is not kept."""
    try:
        destination_policy.check_url(url, resolve=False)
    except url_guard.DestinationRefused as exc:
        return refused(exc)
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the checked address is the one reached
    adapter = url_guard.CheckedAdapter(destination_policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        with session:
            response = session.request(
                method,
                url,
                data=body if method != "DELETE" else None,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
    except url_guard.DestinationRefused as exc:
        return refused(exc)
    except requests.Timeout as exc:
        return SendResult(None, None, f"timeout: {exc}"[:250])
    except requests.RequestException as exc:
        return SendResult(None, None, f"connection error: {exc}"[:250])
    if 300 <= response.status_code < 400:
        return SendResult(response.status_code, None, "redirect not followed", final=True)
    retry_after = response.headers.get("Retry-After")
    return SendResult(
        response.status_code,
        response.text,
        retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def classify(result):
    """sent (2xx), retry (5xx, 408, 429, timeouts, connection errors) or failed (other 4xx, not sent on purpose)."""
    if result.final:
        return "failed"
    if result.status_code is None:
        return "retry"
    if 200 <= result.status_code < 300:
        return "sent"
    if result.status_code >= 500 or result.status_code in RETRYABLE_STATUS:
        return "retry"
    return "failed"


def backoff_seconds(attempt_no, retry_after=None):
    """Exponential back-off (30 s, 60 s, 120 s, …), or the partner's Retry-After when it says more."""
    delay = min(30 * 2 ** (attempt_no - 1), MAX_BACKOFF)
    return max(delay, min(retry_after or 0, MAX_BACKOFF))


def callback_values(mapping, text):
    """{reference type: [values]} that ``mapping`` ([(JSONPath, reference type)]) finds in a partner's
    answer: scalar values only, as text, each once; a type whose paths find nothing is left out."""
    try:
        data = json.loads(text or "null")
    except ValueError:
        return {}
    found = {}
    for path, ref_type in mapping:
        try:
            matches = jsonpath.find_all(path, data)
        except jsonpath.JsonPathInvalid:
            continue
        for value in matches:
            if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
                values = found.setdefault(ref_type, [])
                if str(value)[:256] not in values:
                    values.append(str(value)[:256])
    return found

"""HTTP side of outbound notifications: send, sign, classify the answer, back off."""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import requests

from . import jsonpath, url_guard

RETRYABLE_STATUS = {408, 429}
MAX_BACKOFF = 3600
JSON = "application/json"
CLOUDEVENTS_JSON = "application/cloudevents+json"  # structured mode: the body is the event itself
WEBHOOK_SECRET_PREFIX = "whsec_"
# requests' timeout bounds each read, not the answer: a server that sends a byte at a time would hold the worker
# as long as it likes, and a huge (or gzip-bombed) answer its memory. The whole call ends within DEADLINE_FACTOR
# times its timeout, and at least DEADLINE_SLACK seconds after it (a short timeout is for the wait before the
# answer, not for reading it), and an answer is read (decoded) up to MAX_ANSWER_BYTES, the rest left unread.
DEADLINE_FACTOR = 2
DEADLINE_SLACK = 10
MAX_ANSWER_BYTES = 8 * 1024 * 1024
ANSWER_CHUNK = 64 * 1024


@dataclass
class SendResult:
    status_code: int | None
    text: str | None
    error: str | None = None
    retry_after: int | None = None
    final: bool = False  # not sent on purpose (refused destination, redirect): never retried
    headers: object = None  # of the answer (case-insensitive), for callers that read caching headers
    truncated: bool = False  # the answer was longer than the call read: ``text`` is its beginning only


def signature_headers(subscription, body, message_id=None, method="POST", content_type=JSON, timestamp=None):
    """Headers of one attempt. With ``message_id`` (the event's id, the same at every attempt) the
    Standard Webhooks headers: ``webhook-id``, ``webhook-timestamp`` (this attempt's) and, for an HMAC
    subscription, ``webhook-signature`` over what is sent. ``X-G2P-Signature`` stays for receivers
    built before them (documented: HMAC of the recorded body with the secret as text)."""
    headers = {"Content-Type": content_type, "User-Agent": "g2p-partner-api/1.0"}
    if message_id:
        timestamp = int(time.time() if timestamp is None else timestamp)
        headers.update({"webhook-id": message_id, "webhook-timestamp": str(timestamp)})
    if subscription.signing == "hmac":
        secret = subscription.sudo().hmac_secret
        if secret:
            headers["X-G2P-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if message_id:
                headers["webhook-signature"] = standard_signature(
                    secret, message_id, timestamp, wire_body(method, body) or b""
                )
    elif subscription.signing == "jws":
        headers["X-G2P-JWS"] = subscription.env["g2p.api.signing.key"].sudo()._sign_message(json.loads(body))
    return headers


def new_webhook_secret():
    """A signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_key(secret):
    """HMAC key of a secret: the bytes a ``whsec_`` secret encodes; a secret made before that form
    (no prefix) is its own text."""
    if secret.startswith(WEBHOOK_SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX))
    return secret.encode()


def standard_signature(secret, message_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` (Standard Webhooks, symmetric)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(webhook_key(secret), signed, hashlib.sha256).digest()).decode()


def wire_body(method, body):
    """What goes on the wire: a DELETE carries no body."""
    return body if method != "DELETE" else None


def refused(reason):
    return SendResult(None, None, f"not sent: {reason}"[:250], final=True)


def send(method, url, body, headers, timeout, destination_policy, max_answer_bytes=MAX_ANSWER_BYTES):
    """One HTTP call to a destination ``destination_policy`` allows, checked again on the address
    connected to. A redirect is not followed and its answer is not kept. The call ends within
    ``call_deadline(timeout)`` whatever the server does, and reads at most ``max_answer_bytes`` of the answer."""
    try:
        destination_policy.check_url(url, resolve=False)
    except url_guard.DestinationRefused as exc:
        return refused(exc)
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the checked address is the one reached
    adapter = url_guard.CheckedAdapter(destination_policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    deadline = call_deadline(timeout)
    watchdog = threading.Timer(deadline, adapter.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        with session:
            response = session.request(
                method,
                url,
                data=wire_body(method, body),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            if 300 <= response.status_code < 400:
                return SendResult(response.status_code, None, "redirect not followed", final=True)
            truncated = _read_answer(response, max_answer_bytes)
    except url_guard.DestinationRefused as exc:
        return refused(exc)
    except (requests.RequestException, OSError) as exc:
        # a cut-off call fails as whatever the read was doing: answered below, as cut off
        if not adapter.aborted:
            if not isinstance(exc, requests.RequestException):
                raise
            return SendResult(None, None, describe_failure(exc, url, timeout))
    finally:
        watchdog.cancel()
    if adapter.aborted:  # cut off: what was read (if any) is not the answer
        return SendResult(None, None, f"No complete answer from {_where(url)} within {deadline:g} s")
    return SendResult(
        response.status_code,
        response.text,
        error=None if 200 <= response.status_code < 300 else describe_answer(response),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        headers=response.headers,
        truncated=truncated,
    )


def call_deadline(timeout):
    """Seconds a call with this (per read) timeout may take in all."""
    return max(DEADLINE_FACTOR * timeout, timeout + DEADLINE_SLACK)


def _read_answer(response, max_bytes):
    """Read the answer's (decoded) body into ``response``, at most ``max_bytes`` of it; whether some was left."""
    content, size = [], 0
    for chunk in response.iter_content(ANSWER_CHUNK):
        if size + len(chunk) > max_bytes:
            content.append(chunk[: max_bytes - size])
            response._content = b"".join(content)  # what requests' .text decodes
            return True
        content.append(chunk)
        size += len(chunk)
    response._content = b"".join(content)
    return False


def parse_retry_after(value, now=None):
    """Seconds a receiver's Retry-After asks for (RFC 9110: delay-seconds or an HTTP-date), None when absent
    or unreadable; a date in the past means at once (0)."""
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - (now or datetime.now(UTC))).total_seconds()))


def describe_answer(response):
    """ "Receiver answered 503 Service Unavailable": what staff read for an answer that is not a success."""
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = (response.reason or "").strip()
    return f"Receiver answered {response.status_code} {phrase}".strip()[:250]


def _where(url):
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def describe_failure(exc, url, timeout):
    """One line for staff instead of the exception text of requests and urllib3 (which nests the
    whole chain, with object addresses): "Connection refused by host:8080", "Timed out after 10 s"."""
    host, where = urlsplit(url).hostname or "?", _where(url)
    seconds = f"{timeout:g} s"
    if isinstance(exc, requests.ConnectTimeout):
        return f"No connection to {where} within {seconds}"
    if isinstance(exc, requests.Timeout):
        return f"Timed out after {seconds} waiting for {where} to answer"
    cause = _root_cause(exc)
    if isinstance(cause, ConnectionRefusedError):
        return f"Connection refused by {where}"
    if isinstance(cause, ConnectionResetError):
        return f"Connection reset by {where}"
    if isinstance(cause, socket.gaierror):
        return f"Host name {host} not found"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {cause.verify_message}"[:250]
    if isinstance(cause, ssl.SSLError):
        return f"TLS error with {where}: {cause.reason or cause.__class__.__name__}"[:250]
    if isinstance(cause, OSError) and cause.strerror:
        return f"Could not reach {where}: {cause.strerror}"[:250]
    if isinstance(exc, requests.ConnectionError):
        return f"Connection to {where} failed"
    return f"Sending to {where} failed ({exc.__class__.__name__})"


def _root_cause(exc):
    """The innermost exception requests and urllib3 wrapped (``reason``, ``__cause__``, ``__context__``)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        inner = inner or exc.__cause__ or exc.__context__
        if inner is None:
            return exc
        exc = inner
    return exc


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
    """The receiver's Retry-After as given (capped at MAX_BACKOFF, one hour), else exponential back-off
    (30 s, 60 s, 120 s, …)."""
    if retry_after is not None:
        return min(retry_after, MAX_BACKOFF)
    return min(30 * 2 ** (attempt_no - 1), MAX_BACKOFF)


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

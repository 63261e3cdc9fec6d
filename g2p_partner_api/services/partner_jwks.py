"""A partner's JSON Web Key Set (RFC 7517 §5), fetched from the client's ``jwks_uri``.

The set is fetched through the outbound URL guard (never PyJWKClient, whose urllib would reach any
address), parsed by PyJWT's ``PyJWKSet``, and kept only in the signing keys the suite verifies with:
asymmetric keys (RSA, EC, Ed25519) for signatures (``use``, when given, is ``sig``; ``alg``, when
given, one the key's type allows). How long the set may be used comes from the answer's caching
headers (``Cache-Control: max-age``, else ``Expires``), within bounds.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header, parse_date

from . import jwt_service, outbound_delivery

FETCH_TIMEOUT = 10
MAX_SET_BYTES = 64 * 1024
# without caching headers the set is used this long; whatever they say, at most a day (a removed key must
# stop verifying) and at least nothing (no-store, no-cache: fetched again at the next call, once a minute)
DEFAULT_MAX_AGE = 300
LONGEST_MAX_AGE = 86400
# an unknown kid fetches the set again at most this often per client, across every worker
REFRESH_INTERVAL = 60
ACCEPT = "application/jwk-set+json, application/json"


@dataclass(frozen=True)
class PartnerKey:
    """A public key that verifies a partner's signatures: PEM text, its SHA-256 fingerprint, the JWS
    algorithms it may verify (None: those of its type) and its kid in the partner's set (None: a static key)."""

    pem: str
    fingerprint: str
    algorithms: tuple | None = None
    kid: str | None = None


@dataclass
class FetchedSet:
    """What one fetch brought: the HTTP status, the usable keys by kid, how long they may be used, or why not."""

    status_code: int | None
    keys: dict = field(default_factory=dict)
    max_age: int = DEFAULT_MAX_AGE
    error: str | None = None


def fetch(url, destination_policy, now=None):
    """GET the key set at ``url`` (through ``destination_policy``, no redirect) and parse it."""
    result = outbound_delivery.send(
        "GET",
        url,
        None,
        {"Accept": ACCEPT, "User-Agent": "g2p-partner-api/1.0"},
        FETCH_TIMEOUT,
        destination_policy,
        max_answer_bytes=MAX_SET_BYTES,
    )
    if result.error or result.status_code != 200:
        return FetchedSet(result.status_code, error=result.error or f"answer {result.status_code}")
    if result.truncated:
        return FetchedSet(result.status_code, error=f"the key set is larger than {MAX_SET_BYTES} bytes")
    try:
        keys = parse_key_set(result.text)
    except ValueError as exc:
        return FetchedSet(result.status_code, error=str(exc))
    return FetchedSet(result.status_code, keys, cache_lifetime(result.headers or {}, now))


def parse_key_set(text):
    """{kid: PartnerKey} of the usable signature keys of a JWK Set document; ValueError when it has none,
    or when two keys share a kid (which one a signature names would be a guess). Members PyJWK cannot
    read (another key type, a curve it does not know) are left out, as RFC 7517 §5 asks."""
    try:
        members = json.loads(text)["keys"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"not a JWK Set ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(members, list):
        raise ValueError("not a JWK Set: keys is not a list")
    keys = {}
    for member in members:
        if not isinstance(member, dict):
            continue
        try:
            jwk = jwt.PyJWK(member)
        except jwt.PyJWTError:
            continue
        public = _public_key(jwk, member.get("alg"))
        if public is None:
            continue
        kid = str(jwk.key_id or "")
        if kid in keys:
            raise ValueError(f"two keys of the set have kid={kid!r}")
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        algorithm = member.get("alg")
        keys[kid] = PartnerKey(pem, jwt_service.public_key_fingerprint(pem), (algorithm,) if algorithm else None, kid)
    if not keys:
        raise ValueError("the set has no usable signature key (RSA, EC or Ed25519, use sig)")
    return keys


def _public_key(jwk, algorithm):
    """The public key of a JWK the suite may verify with, else None (an encryption key, an HMAC secret, an
    ``alg`` the key's type does not allow). A set that carries a private key gives its public part only."""
    if jwk.public_key_use not in (None, "sig"):
        return None
    key = jwk.key
    if hasattr(key, "public_key"):  # a private key published by mistake
        key = key.public_key()
    try:
        allowed = jwt_service.algorithms_for(key)
    except ValueError:
        return None
    return key if algorithm is None or algorithm in allowed else None


def cache_lifetime(headers, now=None):
    """Seconds the answer may be used, from ``Cache-Control`` (max-age less Age; no-store and no-cache: 0)
    or else ``Expires``, between 0 and LONGEST_MAX_AGE; DEFAULT_MAX_AGE when neither says."""
    control = parse_cache_control_header(headers.get("Cache-Control"), cls=ResponseCacheControl)
    if control.no_store or control.no_cache:
        return 0
    if control.max_age is not None:
        age = headers.get("Age") or "0"
        seconds = control.max_age - (int(age) if age.isdigit() else 0)
    elif headers.get("Expires"):
        expires = parse_date(headers.get("Expires"))
        # an Expires that cannot be read means already expired (RFC 9111 §5.3)
        seconds = int((expires - (now or datetime.now(UTC))).total_seconds()) if expires else 0
    else:
        seconds = DEFAULT_MAX_AGE
    return max(0, min(seconds, LONGEST_MAX_AGE))

"""The suite's one JWT helper (pyjwt): access tokens, partner signatures, registry signatures.

Algorithms are always chosen from the key's type, never from the token header, so
``alg: none`` and HS/RS confusion (a public key used as an HMAC secret) cannot pass.
"""

import hashlib
import json
import re
import time
from functools import cache, lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.utils import base64url_decode, base64url_encode
from pydantic_core import to_json

from . import strict_json

ASYMMETRIC_ALGORITHMS = {
    rsa.RSAPublicKey: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
    ec.EllipticCurvePublicKey: ["ES256", "ES384", "ES512"],
    ed25519.Ed25519PublicKey: ["EdDSA"],
}


class SignatureInvalid(Exception):
    """A signature that does not verify, or does not cover the expected content."""


_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _JWS(jwt.PyJWS):
    """pyjwt's JWS with its segment check done by one compiled pattern. pyjwt (2.10+) tests each
    character of a segment in a Python loop: for a signed DCI envelope of 100 items (some 30 kB,
    read twice: once for its kid, once to verify) that loop was a tenth of the call's CPU. The checks
    and their errors are pyjwt's: padding of at most two ``=`` on a length multiple of 4, the base64url
    alphabet only, and the canonical encoding (the decoded bytes encode back to the same segment)."""

    @staticmethod
    def _decode_base64url_segment(segment, name):
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if padding > 2 or (padding and len(segment) % 4 != 0):
            raise jwt.DecodeError(f"Invalid {name} padding")
        if len(stripped) % 4 == 1 or not _BASE64URL.fullmatch(stripped):
            raise jwt.DecodeError(f"Invalid {name} padding")
        try:
            decoded = base64url_decode(stripped)
        except (TypeError, ValueError) as err:
            raise jwt.DecodeError(f"Invalid {name} padding") from err
        if base64url_encode(decoded) != stripped:
            raise jwt.DecodeError(f"Invalid {name} padding")
        return decoded


class _JWT(jwt.PyJWT):
    """pyjwt's JWT over ``_JWS``: what verifies the signatures partners send (DCI envelopes, ingest)."""

    def __init__(self):
        super().__init__()
        self._jws = _JWS(options=self._jws.options)

    def _decode_payload(self, decoded):
        # a signed payload that names a member twice reads differently to different parsers: what the
        # signer meant and what the registry compares with the message could differ
        try:
            payload = strict_json.loads(decoded["payload"])
        except strict_json.RepeatedMember as exc:
            raise jwt.DecodeError(f"Invalid payload string: {exc}") from exc
        except (ValueError, RecursionError):
            return super()._decode_payload(decoded)  # pyjwt's own error for what is not JSON
        if not isinstance(payload, dict):
            raise jwt.DecodeError("Invalid payload string: must be a json object")
        return payload


_JWT_VERIFIER = _JWT()


@lru_cache(maxsize=256)
def load_public_key(text):
    """A cryptography public key from PEM text or a JWK (JSON); ValueError when it is neither. Cached
    by text (a key object is immutable): every signed call of a client parses the same key."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty key")
    if text.startswith("{"):
        try:
            return jwt.PyJWK.from_json(text).key
        except (jwt.PyJWKError, json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"not a usable JWK ({exc})") from exc
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("not a PEM public key") from exc
    if not isinstance(key, tuple(ASYMMETRIC_ALGORITHMS)):
        raise ValueError("unsupported key type (RSA, EC or Ed25519 expected)")
    return key


def public_key_fingerprint(text):
    """SHA-256 of the key's DER SubjectPublicKeyInfo, in hex: what ``openssl pkey -pubin -outform DER |
    sha256sum`` prints for the same key, whether it was given as PEM or as a JWK. ValueError as load_public_key."""
    der = load_public_key(text).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def algorithms_for(public_key):
    for key_type, algorithms in ASYMMETRIC_ALGORITHMS.items():
        if isinstance(public_key, key_type):
            return algorithms
    raise ValueError("unsupported key type")


def verify_signed_object(signature, expected, public_key_text, message_id=None, max_age=None, algorithms=None):
    """Verify a compact JWS whose payload must equal ``expected`` (a JSON object).

    Used for ingest payload signatures and DCI envelopes: the partner signs the exact object
    the registry reconstructs, so tampering with any field after signing fails here.
    With ``message_id``, the JWS must also carry the claims ``jti`` (equal to it) and ``iat``
    (no further than ``max_age`` seconds from now), so a captured signature cannot be replayed
    under another message id, nor later than the window. ``algorithms``: the only ones the key may
    verify (a JWK's ``alg``), among those of its type.
    """
    if not isinstance(signature, str) or signature.count(".") != 2:
        raise SignatureInvalid("signature is not a compact JWS")
    bound = message_id is not None
    try:
        key = load_public_key(public_key_text)
        payload = _JWT_VERIFIER.decode(
            signature,
            key=key,
            algorithms=[name for name in algorithms_for(key) if not algorithms or name in algorithms],
            # iat is checked below against the window, both ways (clock skew), not by pyjwt
            options={
                "verify_aud": False,
                "verify_iss": False,
                "verify_iat": False,
                "require": ["jti", "iat"] if bound else [],
            },
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise SignatureInvalid(str(exc)) from exc
    if bound:
        if payload["jti"] != str(message_id):
            raise SignatureInvalid("the signature was made for another message id (jti)")
        issued = payload["iat"]
        if not isinstance(issued, int | float) or (max_age is not None and abs(time.time() - issued) > max_age):
            raise SignatureInvalid(f"the message was signed outside the accepted window of {max_age} seconds (iat)")
    # iat/exp (and the bound jti) may be added by the signer; the rest must be exactly the signed object
    claims = ("iat", "exp", "nbf", "jti") if bound else ("iat", "exp", "nbf")
    signed = {k: v for k, v in payload.items() if k not in claims} if isinstance(expected, dict) else payload
    if _canonical(signed) != _canonical(expected):
        raise SignatureInvalid("signed content does not match the message")
    return payload


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(payload, private_key_pem, algorithm, kid, headers=None):
    return jwt.encode(payload, private_key_pem, algorithm=algorithm, headers=dict(headers or {}, kid=kid))


@lru_cache(maxsize=16)
def _private_key(private_key_pem):
    """The key object of a PEM private key, parsed once per worker (pyjwt parses a PEM at every signature:
    a fifth of signing a DCI page). The PEM itself is already cached (``_signing_material``)."""
    return serialization.load_pem_private_key(private_key_pem.encode(), password=None)


def sign_object(payload, private_key_pem, algorithm, kid):
    """``sign`` for a plain JSON object (no datetime claims to convert), serialised by pydantic-core's
    compiled encoder: a DCI answer carries up to a hundred records, which json.dumps takes several
    times longer to write."""
    return jwt.api_jws.encode(
        to_json(payload), _private_key(private_key_pem), algorithm=algorithm, headers={"kid": kid}
    )


def decode(token, public_key, algorithm, **kwargs):
    return jwt.decode(token, key=public_key, algorithms=[algorithm], **kwargs)


def unverified_kid(token):
    """The ``kid`` of a compact JWS's header, None when it has none or is no compact JWS. Only the header
    segment is decoded: the payload of a signed envelope may be tens of kilobytes, and verifying the
    token decodes it anyway."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    try:
        return jwt.get_unverified_header(token.partition(".")[0] + "..").get("kid")
    except jwt.PyJWTError:
        return None


def public_jwk(public_key, kid, algorithm):
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(public_key))
    jwk.update(kid=kid, alg=algorithm, use="sig")
    return jwk


# RFC 7523 client assertions: the types a partner may give its assertion (none, the generic JWT, or the one
# draft-ietf-oauth-rfc7523bis names); any other (at+jwt, consent-receipt+jwt) is another kind of token
CLIENT_ASSERTION_TYPES = {None, "jwt", "client-authentication+jwt", "application/client-authentication+jwt"}


# key pairs to verify against when no client key applies, by the algorithm an assertion names
_DUMMY_KEY_MAKERS = {
    **dict.fromkeys(ASYMMETRIC_ALGORITHMS[rsa.RSAPublicKey], lambda: rsa.generate_private_key(65537, 2048)),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ES512": lambda: ec.generate_private_key(ec.SECP521R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


@cache
def _dummy_public_key_text(algorithm):
    """PEM public key of a pair made by this worker for ``algorithm`` (its private half dropped: nothing verifies)."""
    public = _DUMMY_KEY_MAKERS[algorithm]().public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def refuse_client_assertion(assertion, client_id, audiences, max_lifetime, leeway):
    """SignatureInvalid, after the one verification verify_client_assertion runs for a known client, against a key
    of this worker of the algorithm the assertion names: an unknown client, or one that does not authenticate by
    key, is refused after the same work as a wrong signature (its answer time tells nothing)."""
    try:
        algorithm = jwt.get_unverified_header(assertion).get("alg")
    except (jwt.PyJWTError, TypeError, AttributeError):
        algorithm = None
    algorithm = algorithm if isinstance(algorithm, str) and algorithm in _DUMMY_KEY_MAKERS else "RS256"
    verify_client_assertion(
        assertion, _dummy_public_key_text(algorithm), client_id or "", audiences, max_lifetime, leeway, [algorithm]
    )
    raise SignatureInvalid("no such client authenticating with private key JWT")


def verify_client_assertion(assertion, public_key_text, client_id, audiences, max_lifetime, leeway, algorithms=None):
    """Claims of an RFC 7523 §3 client assertion of ``client_id``, signed with ``public_key_text``; SignatureInvalid
    otherwise. iss and sub are ``client_id``, aud names one of ``audiences``, exp is required and at most
    ``max_lifetime`` seconds ahead (and after iat, when given), jti is required; iat and nbf, when given, are not in
    the future. ``leeway``: seconds of clock skew allowed on each time. ``algorithms`` as in verify_signed_object."""
    if not isinstance(assertion, str) or assertion.count(".") != 2:
        raise SignatureInvalid("the assertion is not a compact JWS")
    try:
        token_type = jwt.get_unverified_header(assertion).get("typ")
        if not (token_type is None or isinstance(token_type, str)) or (
            token_type and token_type.lower() not in CLIENT_ASSERTION_TYPES
        ):
            raise SignatureInvalid("the token is of another type than a client assertion (typ)")
        key = load_public_key(public_key_text)
        claims = _JWT_VERIFIER.decode(
            assertion,
            key=key,
            algorithms=[name for name in algorithms_for(key) if not algorithms or name in algorithms],
            audience=list(audiences),
            issuer=client_id,
            subject=client_id,
            leeway=leeway,
            options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_sub": True, "verify_jti": True},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise SignatureInvalid(str(exc)) from exc
    now = time.time()
    expires = claims["exp"]
    issued = claims.get("iat", now)
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in (expires, issued)):
        raise SignatureInvalid("exp and iat must be numbers")
    if expires > now + max_lifetime + leeway or expires - issued > max_lifetime + leeway:
        raise SignatureInvalid(f"the assertion is valid longer than {max_lifetime} seconds (exp)")
    if not claims["jti"]:
        raise SignatureInvalid("the assertion has no jti")
    return claims

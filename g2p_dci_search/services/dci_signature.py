"""Envelope signatures of DCI participants, verified with the sender client's public key.

Two forms are accepted in ``signature``:

- a compact JWS whose payload is ``{header, message}`` (ES256, RS256 … or EdDSA with an Ed25519
  key; the algorithm follows the key, never the token header);
- the spec's ``MsgSignature`` string form (ed25519), HTTP-signature style:
  ``Signature: namespace="spdci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
  created="<unix s>", expires="<unix s>", headers="(created) (expires) digest", signature="<base64>"``.
  The signature is Ed25519 over the UTF-8 signing string
  ``(created): <created>\\n(expires): <expires>\\ndigest: BLAKE-512=<digest>`` where ``<digest>``
  is the standard base64 of the BLAKE2b-512 hash of the canonical JSON of ``{"header": …,
  "message": …}`` (keys sorted, no whitespace, UTF-8 unescaped). ``created`` may not be in the
  future (``CLOCK_SKEW`` allowed) and ``expires`` not in the past.
"""

import base64
import binascii
import hashlib
import json
import re
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from odoo.addons.g2p_partner_api.services import jwt_service

SignatureInvalid = jwt_service.SignatureInvalid
CLOCK_SKEW = 60
SIGNED_HEADERS = "(created) (expires) digest"
# name="value" pairs; the spec's own example leaves the last quote out
PARAMETER = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"?')


def verify(signature, signed_object, public_key_text, sender_id, now=None, algorithms=None):
    """Raise SignatureInvalid unless ``signature`` signs ``signed_object`` ({header, message}) with the key
    (``algorithms``: the only JWS algorithms it may verify, see jwt_service.verify_signed_object)."""
    if _is_signature_string(signature):
        _verify_signature_string(signature, signed_object, public_key_text, sender_id, now or time.time())
    else:
        jwt_service.verify_signed_object(signature, signed_object, public_key_text, algorithms=algorithms)


def key_id(signature):
    """The kid ``signature`` names, None when none: the key_id of the string form's
    ``kidId="{sender_id}|{key_id}|ed25519"``, else the kid of the JWS header."""
    if _is_signature_string(signature):
        params = dict(PARAMETER.findall(signature))
        _sender, _sep, rest = (params.get("kidId") or params.get("keyId") or "").partition("|")
        return rest.rpartition("|")[0] or None
    return jwt_service.unverified_kid(signature)


def _is_signature_string(signature):
    return isinstance(signature, str) and signature.lstrip().startswith("Signature")


def signing_string(created, expires, signed_object):
    """What the ``Signature:`` string form signs (see the module docstring)."""
    canonical = json.dumps(signed_object, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = base64.b64encode(hashlib.blake2b(canonical.encode(), digest_size=64).digest()).decode()
    return f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}"


def _verify_signature_string(signature, signed_object, public_key_text, sender_id, now):
    params = dict(PARAMETER.findall(signature))
    kid = params.get("kidId") or params.get("keyId") or ""
    kid_sender, _sep, kid_rest = kid.partition("|")
    if params.get("algorithm", "").lower() != "ed25519" or not kid_rest.lower().endswith("|ed25519"):
        raise SignatureInvalid(
            'the Signature string form needs algorithm="ed25519" and kidId="{sender_id}|{key_id}|ed25519"'
        )
    if kid_sender != sender_id:
        raise SignatureInvalid(f"kidId names sender {kid_sender!r}, not {sender_id!r}")
    if " ".join(params.get("headers", "").split()) != SIGNED_HEADERS:
        raise SignatureInvalid(f'headers must be "{SIGNED_HEADERS}"')
    try:
        created, expires = int(params["created"]), int(params["expires"])
        raw_signature = base64.b64decode(params["signature"], validate=True)
    except (KeyError, ValueError, binascii.Error) as exc:
        raise SignatureInvalid("created, expires (unix seconds) and signature (base64) are required") from exc
    if created > now + CLOCK_SKEW or expires <= now or expires <= created:
        raise SignatureInvalid("signature outside its created..expires window")
    try:
        key = jwt_service.load_public_key(public_key_text)
    except ValueError as exc:
        raise SignatureInvalid(str(exc)) from exc
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise SignatureInvalid("the Signature string form needs the client's Ed25519 public key")
    try:
        key.verify(raw_signature, signing_string(params["created"], params["expires"], signed_object).encode())
    except InvalidSignature as exc:
        raise SignatureInvalid("signature does not verify") from exc

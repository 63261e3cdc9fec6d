"""The key that seals the opaque cursors the API gives (page cursors, change feed tokens)."""

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def cursor_fernet(env, purpose):
    """The Fernet of the cursors of ``purpose`` (bytes): a key derived from the database secret, another for
    each purpose, so that a cursor of one kind is never taken for another."""
    secret = env["ir.config_parameter"].sudo().get_param("database.secret") or ""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))

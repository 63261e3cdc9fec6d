import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..services import jwt_service

ALGORITHM = "ES256"


class G2PApiSigningKey(models.Model):
    """Keys the registry signs with: access tokens, DCI responses, outbound JWS.

    The private key never leaves the server (system group only); rotation deactivates the
    previous key, so every token it signed stops verifying at once.
    """

    _name = "g2p.api.signing.key"
    # verified tokens and the signing key are cached: rotation clears the cache (all workers)
    _inherit = ["g2p.cache.clearing.mixin"]
    _description = "Registry signing key"
    _order = "create_date desc, id desc"
    _rec_name = "kid"

    kid = fields.Char(string="Key id", required=True, readonly=True, default=lambda self: secrets.token_hex(8))
    algorithm = fields.Selection([(ALGORITHM, ALGORITHM)], default=ALGORITHM, required=True, readonly=True)
    private_key_pem = fields.Text(groups="base.group_system", readonly=True, copy=False)
    public_key_pem = fields.Text(readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("kid_unique", "unique(kid)", "Key ids are unique.")]

    @api.model
    def _generate(self):
        private = ec.generate_private_key(ec.SECP256R1())
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        return self.sudo().create({"private_key_pem": private_pem, "public_key_pem": public_pem})

    @api.model
    def _ensure_active_key(self):
        return self.sudo().search([], limit=1) or self._generate()

    def action_rotate(self):
        """Make a new key and retire every other one: tokens signed before stop working."""
        old = self.sudo().search([])
        new = self._generate()
        old.write({"active": False})
        return new

    def _public_key(self):
        return jwt_service.load_public_key(self.public_key_pem)

    @api.model
    @tools.ormcache()
    def _signing_material(self):
        """(kid, algorithm, private key PEM) of the active key, looked up once per worker."""
        key = self._ensure_active_key()
        return key.kid, key.algorithm, key.private_key_pem

    @api.model
    def _sign(self, payload, headers=None):
        kid, algorithm, private_key_pem = self._signing_material()
        return jwt_service.sign(payload, private_key_pem, algorithm, kid, headers)

    @api.model
    def _verify(self, token, **options):
        """Decode a token signed by one of the registry's active keys; raises jwt.PyJWTError."""
        kid = jwt_service.unverified_kid(token)
        key = self.sudo().search([("kid", "=", kid)], limit=1) if kid else self.browse()
        if not key:
            raise jwt.InvalidTokenError(_("unknown signing key"))
        return jwt_service.decode(token, key._public_key(), key.algorithm, **options)

    @api.model
    def _jwks(self):
        return {"keys": [jwt_service.public_jwk(k._public_key(), k.kid, k.algorithm) for k in self.sudo().search([])]}

    def unlink(self):
        if self.filtered("active") and not self.env.context.get("g2p_allow_key_unlink"):
            raise UserError(_("Rotate an active key instead of deleting it."))
        return super().unlink()

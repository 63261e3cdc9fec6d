import secrets
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from ..services import jwt_service

ALGORITHM = "ES256"
GRACE_HOURS_PARAM = "g2p_partner_api.signing_key_grace_hours"
DEFAULT_GRACE_HOURS = 24


class G2PApiSigningKey(models.Model):
    """Keys the registry signs with: access tokens, DCI responses, outbound JWS.

    The private key never leaves the server (system group only). Rotation (system administrators
    only) signs with a new key at once; the retiring key stays published in the JWKS and accepted
    for a grace period, so live tokens and queued signed callbacks still verify.
    """

    _name = "g2p.api.signing.key"
    # verified tokens and the signing key are cached: rotation clears the cache (all workers)
    _inherit = ["mail.thread", "g2p.cache.clearing.mixin"]
    _description = "Registry signing key"
    _order = "create_date desc, id desc"
    _rec_name = "kid"

    kid = fields.Char(string="Key ID", required=True, readonly=True, default=lambda self: secrets.token_hex(8))
    algorithm = fields.Selection([(ALGORITHM, ALGORITHM)], default=ALGORITHM, required=True, readonly=True)
    private_key_pem = fields.Text(string="Private key (PEM)", groups="base.group_system", readonly=True, copy=False)
    public_key_pem = fields.Text(string="Public key (PEM)", readonly=True)
    active = fields.Boolean(default=True)
    retired_on = fields.Datetime(
        readonly=True,
        copy=False,
        help="When a rotation replaced this key; it still verifies until the grace period ends.",
    )
    verifies_until = fields.Datetime(compute="_compute_verifies_until")

    _sql_constraints = [("kid_unique", "unique(kid)", "Key ids are unique.")]

    @api.model
    def _grace(self):
        hours = self.env["ir.config_parameter"].sudo().get_param(GRACE_HOURS_PARAM, DEFAULT_GRACE_HOURS)
        try:
            return timedelta(hours=max(float(hours), 0))
        except ValueError:
            return timedelta(hours=DEFAULT_GRACE_HOURS)

    @api.depends("retired_on")
    def _compute_verifies_until(self):
        grace = self._grace()
        for rec in self:
            rec.verifies_until = rec.retired_on and rec.retired_on + grace

    @api.model
    def _generate(self):
        private = ec.generate_private_key(ec.SECP256R1())
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return self.sudo().create({"private_key_pem": private_pem, "public_key_pem": public_pem})

    @api.model
    def _ensure_active_key(self):
        return self.sudo().search([("retired_on", "=", False)], limit=1) or self._generate()

    @api.model
    def _verification_keys(self):
        """The current key and the retiring ones still inside their grace period."""
        return self.sudo().search(
            ["|", ("retired_on", "=", False), ("retired_on", ">", fields.Datetime.now() - self._grace())]
        )

    def action_rotate(self):
        """Sign with a new key from now on; the previous ones verify until the grace period ends."""
        # checked before any sudo: a public method is callable by every logged-in user over JSON-RPC
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(_("Only system administrators rotate the registry's signing key."))
        return self._rotate()

    def _rotate(self):
        now = fields.Datetime.now()
        keys = self.sudo().search([])
        expired = keys.filtered(lambda k: k.retired_on and k.retired_on <= now - self._grace())
        retiring = keys.filtered(lambda k: not k.retired_on)
        new = self._generate()
        retiring.write({"retired_on": now})
        expired.write({"active": False})
        until = now + self._grace()
        body = _(
            "Signing key rotated by %(user)s: new key %(new)s; %(old)s verify until %(until)s UTC.",
            user=self.env.user.name,
            new=new.kid,
            old=", ".join(retiring.mapped("kid")) or _("no previous key"),
            until=fields.Datetime.to_string(until),
        )
        new.message_post(body=body)
        self.env["g2p.api.audit.log"].sudo()._record(
            {
                "source": "odoo",
                "actor": self.env.user.login,
                "action": "rotate signing key",
                "resource": f"g2p.api.signing.key/{new.kid}",
                "outcome": "success",
                "reference_ids": ",".join(retiring.mapped("kid")) or None,
            }
        )
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
        """Decode a token signed by one of the registry's keys (current or in grace); raises jwt.PyJWTError."""
        kid = jwt_service.unverified_kid(token)
        key = self._verification_keys().filtered(lambda k: k.kid == kid)[:1] if kid else self.browse()
        if not key:
            raise jwt.InvalidTokenError(_("unknown signing key"))
        return jwt_service.decode(token, key._public_key(), key.algorithm, **options)

    @api.model
    def _jwks(self):
        return {
            "keys": [jwt_service.public_jwk(k._public_key(), k.kid, k.algorithm) for k in self._verification_keys()]
        }

    def unlink(self):
        # the right first: whether a key still verifies is no business of who may not delete keys
        self.check_access("unlink")
        if self & self._verification_keys():
            raise UserError(
                _("A key that still signs or verifies is not deleted: rotate it and wait for the grace period.")
            )
        return super().unlink()

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

ACCESS_TOKEN = "access_token"
MESSAGE = "message"
# RFC 9068 §2.1; the "application/" prefix may be left out of a JOSE typ (RFC 7515 §4.1.9)
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
CONSENT_RECEIPT_TYPE = "consent-receipt+jwt"
# seen in every JWS header and JWKS entry, so a partner tells a message key from a token key by its kid
KID_PREFIXES = {ACCESS_TOKEN: "at-", MESSAGE: "msg-"}


class G2PApiSigningKey(models.Model):
    """Keys the registry signs with, one set per purpose: access tokens, or messages (DCI
    responses and callbacks, outbound JWS).

    A partner controls what goes into a message (payload templates, search answers), so a
    message key never signs nor verifies an access token. The private key never leaves the
    server (system group only). Rotation (system administrators only, per purpose) signs with a
    new key at once; the retiring key stays published in the JWKS and accepted for a grace
    period, so live tokens and queued signed callbacks still verify.
    """

    _name = "g2p.api.signing.key"
    # verified tokens and the signing key are cached: rotation clears the cache (all workers)
    _inherit = ["mail.thread", "g2p.cache.clearing.mixin"]
    _description = "Registry signing key"
    _order = "purpose, create_date desc, id desc"
    _rec_name = "kid"

    kid = fields.Char(string="Key ID", required=True, readonly=True)
    purpose = fields.Selection(
        [(ACCESS_TOKEN, "Access tokens"), (MESSAGE, "Messages (DCI, outbound JWS)")],
        required=True,
        readonly=True,
        help="Access-token keys sign and verify OAuth access tokens only; message keys sign DCI "
        "responses, callbacks and outbound JWS only. Each purpose has its own key and rotation.",
    )
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
    def _generate(self, purpose):
        private = ec.generate_private_key(ec.SECP256R1())
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return self.sudo().create(
            {
                "kid": KID_PREFIXES[purpose] + secrets.token_hex(8),
                "purpose": purpose,
                "private_key_pem": private_pem,
                "public_key_pem": public_pem,
            }
        )

    @api.model
    def _ensure_active_key(self, purpose):
        """The key that signs for ``purpose``, generated on first use."""
        current = self.sudo().search([("purpose", "=", purpose), ("retired_on", "=", False)], limit=1)
        return current or self._generate(purpose)

    @api.model
    def _verification_keys(self, purpose=None):
        """The current key and the retiring ones still inside their grace period (of ``purpose``, or all)."""
        domain = ["|", ("retired_on", "=", False), ("retired_on", ">", fields.Datetime.now() - self._grace())]
        if purpose:
            domain = [("purpose", "=", purpose)] + domain
        return self.sudo().search(domain)

    def action_rotate(self):
        """Sign with a new key from now on, for the purpose of each selected key; the previous keys
        of that purpose verify until the grace period ends. Returns the new keys."""
        # checked before any sudo: a public method is callable by every logged-in user over JSON-RPC
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(_("Only system administrators rotate the registry's signing key."))
        new = self.browse()
        for purpose in sorted(set(self.sudo().mapped("purpose"))):
            new |= self._rotate(purpose)
        return new

    @api.model
    def _rotate(self, purpose):
        now = fields.Datetime.now()
        keys = self.sudo().search([("purpose", "=", purpose)])
        expired = keys.filtered(lambda k: k.retired_on and k.retired_on <= now - self._grace())
        retiring = keys.filtered(lambda k: not k.retired_on)
        new = self._generate(purpose)
        retiring.write({"retired_on": now})
        expired.write({"active": False})
        until = now + self._grace()
        body = _(
            "%(purpose)s signing key rotated by %(user)s: new key %(new)s; %(old)s verify until %(until)s UTC.",
            purpose=dict(self._fields["purpose"]._description_selection(self.env))[purpose],
            user=self.env.user.name,
            new=new.kid,
            old=", ".join(retiring.mapped("kid")) or _("no previous key"),
            until=fields.Datetime.to_string(until),
        )
        # a log note needs no sender email address, which an administrator may not have
        new._message_log(body=body)
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
    @tools.ormcache("purpose")
    def _signing_material(self, purpose):
        """(kid, algorithm, private key PEM) of the active key of ``purpose``, looked up once per worker."""
        key = self._ensure_active_key(purpose)
        return key.kid, key.algorithm, key.private_key_pem

    @api.model
    def _sign(self, payload, purpose, headers=None):
        """Compact JWS of ``payload`` with the active key of ``purpose``."""
        kid, algorithm, private_key_pem = self._signing_material(purpose)
        return jwt_service.sign(payload, private_key_pem, algorithm, kid, headers)

    @api.model
    def _sign_access_token(self, claims):
        return self._sign(claims, ACCESS_TOKEN, headers={"typ": "at+jwt"})

    @api.model
    def _sign_message(self, payload):
        """The registry's signature of a message (DCI envelope, outbound JWS): never usable as a token."""
        kid, algorithm, private_key_pem = self._signing_material(MESSAGE)
        return jwt_service.sign_object(payload, private_key_pem, algorithm, kid)

    @api.model
    def _sign_consent_receipt(self, claims):
        """A consent receipt, signed with the message key under its own ``typ``: never taken for an
        access token (at+jwt, token keys only) nor for a DCI envelope or webhook (no typ)."""
        return self._sign(claims, MESSAGE, headers={"typ": CONSENT_RECEIPT_TYPE})

    @api.model
    def _verify_access_token(self, token, **options):
        """Claims of an access token (typ at+jwt) signed by an access-token key, current or in grace;
        raises jwt.PyJWTError. Whatever a message key signed is refused here."""
        try:
            token_type = jwt.get_unverified_header(token).get("typ")
        except jwt.PyJWTError:
            token_type = None
        if not isinstance(token_type, str) or token_type.lower() not in ACCESS_TOKEN_TYPES:
            raise jwt.InvalidTokenError("not an access token (typ must be at+jwt)")
        kid = jwt_service.unverified_kid(token)
        keys = self._verification_keys(ACCESS_TOKEN)
        key = keys.filtered(lambda k: k.kid == kid)[:1] if kid else self.browse()
        if not key:
            raise jwt.InvalidTokenError("unknown signing key")
        return jwt_service.decode(token, key._public_key(), key.algorithm, **options)

    @api.model
    def _jwks(self):
        return {
            "keys": [jwt_service.public_jwk(k._public_key(), k.kid, k.algorithm) for k in self._verification_keys()]
        }

    def write(self, vals):
        # a message key turned into a token key would make every signed message a bearer token
        frozen = {"kid", "purpose", "algorithm", "private_key_pem", "public_key_pem"} & set(vals)
        if frozen:
            raise AccessError(
                _(
                    "A signing key's %(fields)s never change: rotate the key instead.",
                    fields=", ".join(sorted(self._fields[name].string for name in frozen)),
                )
            )
        return super().write(vals)

    def unlink(self):
        # the right first: whether a key still verifies is no business of who may not delete keys
        self.check_access("unlink")
        if self & self._verification_keys():
            raise UserError(
                _("A key that still signs or verifies is not deleted: rotate it and wait for the grace period.")
            )
        return super().unlink()

import secrets
import time
import uuid
from datetime import UTC, timedelta
from typing import NamedTuple

import jwt
from markupsafe import Markup
from passlib.context import CryptContext

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessDenied, AccessError, UserError, ValidationError
from odoo.osv import expression

from ..services import jwt_service, partner_jwks, shown_once, url_guard
from ..services.api_errors import ApiError, AuthenticationThrottled, SecretShownToStaff
from ..services.caller_defaults import with_caller_defaults
from ..services.problem_details import body_error
from ..services.read_routing import primary_cursor
from ..services.registry_service import not_found
from .g2p_api_rate_window import DEFAULT_LIMIT, DEFAULT_LIMIT_PARAM, DEFAULT_MAX_LIMIT, MAX_LIMIT_PARAM

# Client secrets are 256-bit random strings, so slow key stretching adds nothing against
# guessing; a moderate round count keeps the token endpoint fast while never storing clear text.
SECRET_CRYPT_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=25000)
# a token is issued at most this long after its client's last revocation if it has to wait for
# the next second (iat has whole seconds); more would mean clocks of the nodes disagree
MAX_ISSUE_WAIT = 2
# what a secret is verified against when the client id is unknown: hashed once here, so an
# unknown id costs one verification, exactly as a known one does (hashing per call cost a second)
UNKNOWN_CLIENT_SECRET_HASH = SECRET_CRYPT_CONTEXT.hash(secrets.token_urlsafe(32))
# an activation secret (shown to staff) is two halves, each seen by another person, that the partner sends joined by
# this (no generated secret contains it: token_urlsafe's alphabet is letters, digits, "-" and "_")
HALVES_SEPARATOR = "."


# written by the registry itself (secret generation, revocation), never by a person
CLIENT_SERVER_FIELDS = frozenset(
    {
        "tokens_valid_from",
        "secret_rotated_on",
        "secret_shown_to_staff",
        "secret_second_half_hash",
        "secret_first_half_by",
        "first_credential_on",
        "jwks_expires_at",
        "jwks_refreshed_at",
    }
)
# what verifies the client's signatures (ingest is authenticated by them alone): once a client has one, replacing or
# removing it is a system administrator's act, so an API Manager cannot sign as the partner with a key of its own
KEY_SOURCE_FIELDS = ("public_key", "jwks_uri")
# the names a partner's messages give as their sender (DCI header.sender_id, the ingest sender): once set, changing or
# removing one is a system administrator's act, so an API Manager cannot move a partner's name to another client
# (its envelopes would then act under that client's scopes and consents)
SENDER_NAME_FIELDS = ("client_id", "partner_mnemonic", "dci_sender_id")
# what authenticates the client: its secret, its key (token requests with private key JWT, ingest and DCI signatures)
CREDENTIAL_FIELDS = ("secret_hash", *KEY_SOURCE_FIELDS)
# how a client authenticates at the token endpoint (RFC 7591 token_endpoint_auth_method): a secret the registry
# generates, or an assertion signed with the client's own key (RFC 7523 §2.2, OpenID Connect private_key_jwt)
CLIENT_SECRET = "client_secret"
PRIVATE_KEY_JWT = "private_key_jwt"
# RFC 7521 §4.2 client_assertion_type of an RFC 7523 assertion
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# an assertion lives this long at most (exp - now, and exp - iat); clocks may differ by the leeway
ASSERTION_MAX_LIFETIME = 300
ASSERTION_LEEWAY = 30


class TokenGrant(NamedTuple):
    """What a verified access token grants: the client behind it and the scopes it may use."""

    client_db_id: int
    client_id: str
    scopes: frozenset
    expires_at: int
    rate_limit: int  # calls per minute, 0 for none


class G2PApiClient(models.Model):
    _name = "g2p.api.client"
    # the cache of verified tokens (_token_grant) is cleared at any change of a client
    _inherit = ["mail.thread", "g2p.cache.clearing.mixin", "g2p.guarded.settings.mixin"]
    _description = "External system allowed to call the partner APIs"
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    client_id = fields.Char(
        string="Client ID",
        required=True,
        copy=False,
        index=True,
        tracking=True,
        default=lambda self: "g2p-" + secrets.token_hex(8),
    )
    token_auth_method = fields.Selection(
        [(CLIENT_SECRET, "Client secret"), (PRIVATE_KEY_JWT, "Private key JWT")],
        string="Token authentication",
        default=CLIENT_SECRET,
        required=True,
        tracking=True,
        help="How the client authenticates to get access tokens. Client secret: the secret generated here "
        "(client_secret_basic or client_secret_post). Private key JWT: an assertion the partner signs with its own "
        "key, the public key or key set of this client (RFC 7523, private_key_jwt); the client then has no secret, "
        "so nobody here can get tokens in its name. Switching such a client back to a secret is a system "
        "administrator's act.",
    )
    secret_hash = fields.Char(copy=False, groups="base.group_system")
    has_secret = fields.Boolean(compute="_compute_has_secret")
    secret_rotated_on = fields.Datetime(readonly=True, copy=False)
    secret_shown_to_staff = fields.Boolean(
        string="Secret shown to staff",
        readonly=True,
        copy=False,
        help="The current secret is an activation secret, its two halves shown to two people here (Generate secret, "
        "Generate second half): it gets no token, it only replaces itself. The partner's first call replaces it (POST "
        "/api/v2/oauth/client_secret, both halves joined by a dot) with one only the partner sees. Set by the server "
        "only.",
    )
    # the first half's hash is secret_hash; each half is verified against its own hash (_secret_verified)
    secret_second_half_hash = fields.Char(copy=False, groups="base.group_system")
    has_secret_second_half = fields.Boolean(compute="_compute_has_secret")
    secret_first_half_by = fields.Many2one(
        "res.users",
        string="First half shown to",
        readonly=True,
        copy=False,
        help="Who saw the first half of the activation secret: another person generates the second half. Set by the "
        "server only.",
    )
    first_credential_on = fields.Datetime(
        string="First credential set on",
        readonly=True,
        copy=False,
        help="When the client first got a secret, a public key or a key set URL. From then on, giving it a key or "
        "switching it to private key JWT is a system administrator's act. Set by the server only.",
    )
    tokens_valid_from = fields.Datetime(
        string="Tokens valid from",
        readonly=True,
        copy=False,
        help="Access tokens issued before this moment are refused. Set by the server when the secret is "
        "rotated, the client deactivated or a scope removed; reactivating the client does not revive them.",
    )
    scope_ids = fields.Many2many("g2p.api.scope", string="Scopes", tracking=True)
    all_programs = fields.Boolean(
        string="All programmes",
        tracking=True,
        help="When off, programme and membership calls only see the allowed programmes.",
    )
    allowed_program_ids = fields.Many2many("g2p.program", string="Allowed programmes", tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    token_lifetime = fields.Integer(string="Token lifetime (s)", default=3600, required=True)
    # not tracked itself: the chatter and the audit log show its fingerprint, never the PEM
    public_key = fields.Text(
        help="PEM public key or JWK (JSON) used to verify this client's signatures on ingest and DCI messages."
    )
    public_key_fingerprint = fields.Char(
        string="Public key fingerprint (SHA-256)",
        compute="_compute_public_key_fingerprint",
        store=True,
        tracking=True,
        help="SHA-256 of the key's DER SubjectPublicKeyInfo, as `openssl pkey -pubin -in key.pem -outform DER | "
        "sha256sum` prints it: compare it with the partner's before trusting a new key.",
    )
    jwks_uri = fields.Char(
        string="Key set URL (jwks_uri)",
        tracking=True,
        help="Instead of a public key: the HTTPS address of the partner's JWK Set. Its keys verify the partner's "
        "signatures by their kid; the set is fetched again when its caching headers say, or when a signature names "
        "a kid it does not have (at most once a minute), so the partner can rotate its keys without anyone editing "
        "this client. A key that leaves the set stops verifying.",
    )
    jwks_expires_at = fields.Datetime(
        "Key set valid until",
        help="Until when the keys last fetched are used without fetching the set again (its caching headers).",
        readonly=True,
        copy=False,
    )
    jwks_refreshed_at = fields.Datetime(string="Key set last fetched", readonly=True, copy=False)
    jwk_ids = fields.One2many(
        "g2p.api.client.jwk",
        "client_id",
        string="Keys of the set",
        readonly=True,
        groups="g2p_partner_api.group_api_manager",
    )
    partner_mnemonic = fields.Char(
        tracking=True,
        help="Identity of this client in ingest payloads (the sender the data model's key path finds).",
    )
    dci_sender_id = fields.Char(
        string="DCI sender ID", tracking=True, help="header.sender_id this client uses in DCI envelopes."
    )
    default_source_system = fields.Char(
        help="Source system recorded on every record this client writes, unless the call sends X-Source-System."
    )
    rate_limit_per_minute = fields.Integer(
        string="Rate limit (calls per minute)",
        tracking=True,
        help="Calls this client may make per minute across every app, worker and node. "
        "0: the system default (parameter g2p_partner_api.rate_limit_per_minute); -1: no limit. No limit, or more "
        "than the registry's ceiling (parameter g2p_partner_api.rate_limit_max_per_minute), is set by a system "
        "administrator.",
    )
    require_if_match = fields.Boolean(
        string="Require If-Match",
        tracking=True,
        help="Writes (PUT, PATCH, DELETE, membership transitions) must send If-Match with the ETag of the caller's "
        "last read of the resource; without it they are refused with 428. Protects against lost updates.",
    )
    note = fields.Text()
    blocked_reason = fields.Char(
        compute="_compute_capabilities", help="Why this client cannot call anything (empty when it can)."
    )
    capabilities = fields.Html(compute="_compute_capabilities", sanitize=False, string="What it can do")

    _sql_constraints = [
        ("client_id_unique", "unique(client_id)", "This client ID is already used."),
        ("partner_mnemonic_unique", "unique(partner_mnemonic)", "This partner mnemonic is already used."),
        ("dci_sender_id_unique", "unique(dci_sender_id)", "This DCI sender id is already used."),
        (
            "token_lifetime_positive",
            "check(token_lifetime > 0 and token_lifetime <= 86400)",
            "Token lifetime must be between 1 second and 24 hours.",
        ),
        (
            "rate_limit_valid",
            "check(rate_limit_per_minute >= -1)",
            "Rate limit: a number of calls per minute, 0 for the system default or -1 for no limit.",
        ),
    ]

    def _effective_rate_limit(self):
        """Calls per minute allowed to this client; 0 means unlimited."""
        self.ensure_one()
        if self.rate_limit_per_minute:
            return max(self.rate_limit_per_minute, 0)
        value = self.env["ir.config_parameter"].sudo().get_param(DEFAULT_LIMIT_PARAM, DEFAULT_LIMIT)
        return max(int(value), 0)

    @api.model
    def _rate_limit_ceiling(self):
        """The most calls per minute someone other than a system administrator may give a client."""
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_LIMIT_PARAM, DEFAULT_MAX_LIMIT)
        return max(int(value), 0)

    def _check_administrators_own(self, vals):
        self._check_rate_limit_within_ceiling(vals)
        return super()._check_administrators_own(vals)

    def _check_rate_limit_within_ceiling(self, vals):
        """Refuse, to all but a system administrator, to give a client no rate limit or more calls per minute than
        the registry's ceiling: the limit is what keeps one partner (or whoever holds its credential) from
        harvesting the register or taking the capacity of the others, and the person who onboards partners must
        not be able to switch it off. Lowering a limit, or the system default (0), stays theirs."""
        if "rate_limit_per_minute" not in vals or self._is_system_administrator():
            return
        limit = vals["rate_limit_per_minute"] or 0
        ceiling = self._rate_limit_ceiling()
        if limit != -1 and limit <= ceiling:
            return
        if self:
            self.check_access("write")  # the right first
            if all(client.rate_limit_per_minute == limit for client in self.sudo()):
                return  # the value it already has (a form saved as read)
        raise AccessError(
            _(
                "Only a system administrator may give a client no rate limit or more than %(ceiling)s calls per "
                "minute (Rate limit; the registry's ceiling is the parameter %(param)s).",
                ceiling=ceiling,
                param=MAX_LIMIT_PARAM,
            )
        )

    @api.depends("public_key")
    def _compute_public_key_fingerprint(self):
        for rec in self:
            try:
                rec.public_key_fingerprint = jwt_service.public_key_fingerprint(rec.public_key)
            except ValueError:
                rec.public_key_fingerprint = False  # no key, or one the constraint refuses

    @api.depends("secret_hash", "secret_second_half_hash")
    def _compute_has_secret(self):
        for rec, client in zip(self, self.sudo(), strict=True):
            rec.has_secret = bool(client.secret_hash)
            rec.has_secret_second_half = bool(client.secret_second_half_hash)

    @api.depends(
        "active",
        "secret_hash",
        "secret_shown_to_staff",
        "secret_second_half_hash",
        "secret_first_half_by",
        "token_auth_method",
        "scope_ids",
        "all_programs",
        "allowed_program_ids",
        "public_key",
        "public_key_fingerprint",
        "jwks_uri",
        "token_lifetime",
    )
    def _compute_capabilities(self):
        for rec in self:
            rec.blocked_reason = "; ".join(rec._blocking_reasons()) or False
            rec.capabilities = Markup("<ul class='mb-0'>%s</ul>") % Markup().join(
                Markup("<li><strong>%s</strong>: %s</li>") % line for line in rec._capability_lines()
            )

    def _blocking_reasons(self):
        """What stops this client from calling anything at all (each reason alone is enough)."""
        self.ensure_one()
        reasons = []
        if not self.active:
            reasons.append(_("it is archived"))
        if self.token_auth_method == PRIVATE_KEY_JWT:
            if not self._has_signature_key():
                reasons.append(_("it has no public key nor key set to verify its token requests"))
        elif not self.has_secret:
            reasons.append(_("it has no secret (save it, then Generate secret)"))
        elif self.secret_shown_to_staff and not self.secret_first_half_by:
            reasons.append(
                _(
                    "its activation secret was shown to one person, before activation took two: it authenticates "
                    "nothing, a system administrator generates a new one (Rotate secret)"
                )
            )
        elif self.secret_shown_to_staff and not self.has_secret_second_half:
            reasons.append(
                _(
                    "its activation secret has one half: another API Manager or an administrator than the person who "
                    "saw the first presses Generate second half"
                )
            )
        elif self.secret_shown_to_staff:
            reasons.append(
                _(
                    "its activation secret was shown here, in two halves: the partner first replaces it with POST "
                    "/api/v2/oauth/client_secret (the two halves joined by a dot), then gets tokens with the secret "
                    "that call answers"
                )
            )
        if not self.scope_ids:
            reasons.append(_("it has no scope"))
        return reasons

    def _capability_lines(self):
        """(title, text) lines of the form's summary of what this client may do; addons add theirs."""
        self.ensure_one()
        scopes = ", ".join(
            f"{scope.code} ({scope.description})" if scope.description else scope.code for scope in self.scope_ids
        )
        if self.all_programs:
            programs = _("all programmes")
        elif self.allowed_program_ids:
            programs = _("only %s", ", ".join(self.allowed_program_ids.mapped("name")))
        else:
            programs = _("none: programme and membership calls find nothing")
        if self.jwks_uri:
            signatures = _(
                "the current keys of its key set at %(uri)s verify the messages it signs (ingest data models that "
                "require signatures, DCI envelopes), each by its kid",
                uri=self.jwks_uri,
            )
        elif self.public_key:
            signatures = _(
                "its public key (SHA-256 %(fingerprint)s) verifies the messages it signs (ingest data models that "
                "require signatures, DCI envelopes)",
                fingerprint=self.public_key_fingerprint,
            )
        else:
            signatures = _(
                "no public key: messages that must be signed (ingest data models that require "
                "signatures, DCI envelopes) are refused"
            )
        if self.token_auth_method == PRIVATE_KEY_JWT:
            authentication = _("with an assertion signed by its own key (private key JWT, RFC 7523): it has no secret")
        else:
            authentication = _("with its client secret")
        return [
            (_("Token requests"), authentication),
            (_("Scopes"), scopes or _("none: every API call is refused")),
            (_("Programmes"), programs),
            (_("Signature checks"), signatures),
            (_("Access tokens"), _("valid %s seconds", self.token_lifetime)),
        ]

    # --- changes of who the client is and what it may do: chatter (tracking) and audit log ---
    @api.model
    def _audited_settings(self):
        """Fields whose every change on an existing client is one audit row (who, which client, old and new
        value as ``_audit_value`` writes it); the guarded settings always are. Addons add theirs (call super)."""
        return [
            "public_key",
            "jwks_uri",
            "token_auth_method",
            "partner_mnemonic",
            "dci_sender_id",
            "scope_ids",
            "all_programs",
            "allowed_program_ids",
            "rate_limit_per_minute",
            *self._safe_settings(),
        ]

    def _audit_value(self, field_name):
        """``field_name`` of this client as the audit log records it: a key by its fingerprint, scopes by
        code, other records by name, never a database id."""
        self.ensure_one()
        client = self.sudo()
        if field_name == "public_key":
            return client.public_key_fingerprint and f"SHA-256 {client.public_key_fingerprint}" or ""
        field = self._fields[field_name]
        value = client[field_name]
        if field.type == "boolean":
            return "true" if value else "false"
        if field.type == "integer":
            return str(value)
        if field.type == "many2many":
            return ", ".join(sorted(value.mapped("code" if field_name == "scope_ids" else "display_name")))
        return str(value or "")

    def _audit_setting_changes(self, before):
        """One audit row per changed setting per client, by the user who changed it."""
        Audit = self.env["g2p.api.audit.log"].sudo()
        actor = self.env.user.login  # as for the other changes staff make (signing key rotation)
        for rec in self:
            for name, old in before[rec.id].items():
                new = rec._audit_value(name)
                if new != old:
                    Audit._record(
                        {
                            "event_type": "org.g2p.partner_api.client_setting_changed",
                            "source": "odoo",
                            "client_id": rec.id,
                            "actor": actor,
                            "action": f"change {name}",
                            "resource": f"g2p.api.client/{rec.client_id}",
                            "outcome": "success",
                            "old_value": old,
                            "new_value": new,
                        }
                    )

    @api.constrains("public_key")
    def _check_public_key(self):
        for rec in self.filtered("public_key"):
            try:
                jwt_service.load_public_key(rec.public_key)
            except ValueError as exc:
                raise ValidationError(_("Public key of %(name)s: %(error)s", name=rec.name, error=exc)) from exc

    @api.constrains("public_key", "jwks_uri")
    def _check_jwks_uri(self):
        for rec in self.filtered("jwks_uri"):
            if rec.public_key:
                raise ValidationError(
                    _(
                        "%(name)s: a public key or a key set URL (jwks_uri), not both: signatures are verified with "
                        "one or the other.",
                        name=rec.name,
                    )
                )
            url_guard.validate(rec.env, rec.jwks_uri)

    @api.constrains("token_auth_method", "public_key", "jwks_uri")
    def _check_token_auth_key(self):
        for rec in self.filtered(lambda client: client.token_auth_method == PRIVATE_KEY_JWT):
            if not rec._has_signature_key():
                raise ValidationError(
                    _(
                        "%(name)s: a client that authenticates with private key JWT needs a public key or a key set "
                        "URL (jwks_uri) to verify its assertions.",
                        name=rec.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        for vals in vals_list:
            self._check_server_fields_untouched(vals)
        clients = super().create(vals_list)
        clients._stamp_first_credential()
        return clients

    def unlink(self):
        # deleting a client frees its client id, mnemonic and DCI sender id for another client: the person who
        # onboards partners archives them (its tokens end there); a client with consents cannot be deleted at all
        if not self._is_system_administrator():
            raise AccessError(
                _(
                    "Only a system administrator may delete an API client: archive it instead (its tokens stop at "
                    "once, its names and the consents given to it are kept)."
                )
            )
        return super().unlink()

    def write(self, vals):
        self._check_server_fields_untouched(vals)
        self._check_custody_kept(vals)
        self._check_first_credential_only(vals)
        self._check_token_auth_method_kept(vals)
        revoking = ("secret_hash" in vals and any(self.sudo().mapped("secret_hash"))) or (
            "active" in vals and not vals["active"]
        )
        if revoking:
            vals = dict(vals, tokens_valid_from=self._token_revocation_moment())
        moving_key_set = "jwks_uri" in vals and self.filtered(
            lambda client: client.jwks_uri != (vals["jwks_uri"] or False)
        )
        if moving_key_set:
            # the set at the new address is fetched at the next signature, whatever the old one's cache said
            vals = dict(vals, jwks_expires_at=False, jwks_refreshed_at=False)
        scopes_before = {client.id: client.scope_ids for client in self} if "scope_ids" in vals else {}
        audited = [name for name in self._audited_settings() if name in vals]
        before = {rec.id: {name: rec._audit_value(name) for name in audited} for rec in self} if audited else {}
        result = super().write(vals)
        if vals.get("token_auth_method") == PRIVATE_KEY_JWT:
            self._drop_secrets()
        if any(vals.get(name) for name in CREDENTIAL_FIELDS):
            self._stamp_first_credential()
        if moving_key_set:
            moving_key_set._retire_other_key_sets()
        if audited:
            self._audit_setting_changes(before)
        if scopes_before:
            losing_scopes = self.filtered(lambda client: scopes_before[client.id] - client.scope_ids)
            if losing_scopes:
                losing_scopes._revoke_tokens()
        return result

    # --- the keys that verify the client's signatures (a public key, or a key set) -----------------
    def _has_signature_key(self):
        self.ensure_one()
        return bool(self.public_key or self.jwks_uri)

    def _signature_key(self, kid=None):
        """The ``PartnerKey`` that verifies this client's signature naming ``kid``: its public key (whatever the
        kid), or the current key of its key set that ``kid`` names (the set fetched again if it does not have it).
        None when the client has neither; jwt_service.SignatureInvalid, naming the kid, when its set has no such key."""
        self.ensure_one()
        if self.jwks_uri:
            return self.env["g2p.api.client.jwk"]._partner_key(self, kid)
        if self.public_key:
            return partner_jwks.PartnerKey(self.public_key, self.public_key_fingerprint)
        return None

    def _retire_other_key_sets(self):
        """The keys fetched from another address than the client's key set URL no longer verify: marked removed."""
        Jwk = self.env["g2p.api.client.jwk"].sudo()
        for client in self:
            Jwk.search(
                [("client_id", "=", client.id), ("removed_at", "=", False), ("jwks_uri", "!=", client.jwks_uri or "")]
            ).write({"removed_at": fields.Datetime.now()})

    def action_refresh_jwks(self):
        """Fetch the client's key set now (an API Manager's button): its keys are recorded as any fetch's."""
        if not (self.env.su or self.env.user.has_group(shown_once.API_MANAGER_GROUP)):
            raise AccessError(_("Only API Managers can fetch a client's keys."))
        self.ensure_one()
        self.check_access("write")
        if not self.jwks_uri:
            raise UserError(_("%(name)s has no key set URL (jwks_uri) to fetch.", name=self.name))
        keys = self.env["g2p.api.client.jwk"]._refresh(self, force=True)
        if keys is None:
            message, kind = _("The key set could not be used: the client's chatter says why."), "warning"
        else:
            message, kind = _("Key set fetched: %(count)s key(s).", count=len(keys)), "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    def _check_custody_kept(self, vals):
        """Refuse, to all but a system administrator, a write that replaces or removes the key source (public
        key or key set URL) of a client that has one, or a sender name (client id, partner mnemonic, DCI sender
        id) once set: the partner's signatures prove what it sent only while the person who onboards partners
        can neither swap their key for one of its own nor give their name to another client. Setting the first
        key or name is onboarding (API Managers)."""
        keys = [name for name in KEY_SOURCE_FIELDS if name in vals]
        names = [name for name in SENDER_NAME_FIELDS if name in vals]
        if not (keys or names) or self._is_system_administrator():
            return
        self.check_access("write")  # the right first: what the client holds is no business of others
        for client in self.sudo():
            changed = [name for name in keys + names if (vals[name] or False) != (client[name] or False)]
            if (client.public_key or client.jwks_uri) and set(changed) & set(keys):
                raise AccessError(
                    _(
                        "Only a system administrator may replace or remove the key that verifies the signatures of "
                        "%(name)s (public key or key set URL): ask one, with the fingerprint the partner gave you.",
                        name=client.name,
                    )
                )
            moved = [name for name in changed if name in names and client[name]]
            if moved:
                raise AccessError(
                    _(
                        "Only a system administrator may change or remove the name %(name)s gives as the sender of "
                        "its messages (%(fields)s): ask one.",
                        name=client.name,
                        fields=", ".join(self._fields[name].string for name in moved),
                    )
                )

    @api.constrains(*SENDER_NAME_FIELDS)
    def _check_sender_names_distinct(self):
        # ingest finds its sender by client id or partner mnemonic, DCI by client id or DCI sender id: a name of one
        # client equal to any name of another (archived ones included) would let the first receive, or sign, the
        # second's messages, a move of sender names that only a system administrator may make
        Client = self.sudo().with_context(active_test=False)
        for rec in self:
            names = [rec[name] for name in SENDER_NAME_FIELDS if rec[name]]
            if not names:
                continue
            clash = [[(name, "in", names)] for name in SENDER_NAME_FIELDS]
            if Client.search_count(expression.AND([[("id", "!=", rec.id)], expression.OR(clash)]), limit=1):
                raise ValidationError(
                    _(
                        "%(name)s: its client id, partner mnemonic or DCI sender id is a name another client gives "
                        "as its sender.",
                        name=rec.name,
                    )
                )

    def _check_token_auth_method_kept(self, vals):
        """Refuse, to all but a system administrator, to switch a client that authenticates with its own key back
        to a secret: the API Manager would generate that secret, see it, and could get tokens as the partner."""
        if vals.get("token_auth_method", PRIVATE_KEY_JWT) == PRIVATE_KEY_JWT or self._is_system_administrator():
            return
        self.check_access("write")
        for client in self.sudo():
            if client.token_auth_method == PRIVATE_KEY_JWT:
                raise AccessError(
                    _(
                        "Only a system administrator may let %(name)s authenticate with a client secret again: "
                        "it authenticates with its own key, so that nobody here can get tokens in its name.",
                        name=client.name,
                    )
                )

    def _check_first_credential_only(self, vals):
        """Refuse, to all but a system administrator, to give a key or private key JWT to a client that has or had a
        credential (a secret, a public key, a key set URL): whoever sets the key of a partner that already
        authenticates can sign its messages and get tokens in its name. The person who onboards partners sets the
        first credential of a new client, nothing more; the same key written again is no change."""
        keys = [name for name in KEY_SOURCE_FIELDS if vals.get(name)]
        switching = vals.get("token_auth_method") == PRIVATE_KEY_JWT
        if not (keys or switching) or self._is_system_administrator():
            return
        self.check_access("write")
        for client in self.sudo():
            changed = [name for name in keys if vals[name] != client[name]]
            if switching and client.token_auth_method != PRIVATE_KEY_JWT:
                changed.append("token_auth_method")
            if changed and client._had_credential():
                raise AccessError(
                    _(
                        "Only a system administrator may give %(name)s a key or switch it to private key JWT "
                        "(%(fields)s): it has or had a secret or key, and whoever sets its key acts as the partner. "
                        "An API Manager sets the first credential of a new client only.",
                        name=client.name,
                        fields=", ".join(self._fields[name].string for name in changed),
                    )
                )

    def _had_credential(self):
        self.ensure_one()
        client = self.sudo()
        return bool(client.first_credential_on or any(client[name] for name in CREDENTIAL_FIELDS))

    def _stamp_first_credential(self):
        """Record when each of these clients got its first credential (what _check_first_credential_only reads)."""
        getting_first = self.sudo().filtered(
            lambda client: not client.first_credential_on and any(client[name] for name in CREDENTIAL_FIELDS)
        )
        if getting_first:
            getting_first.write({"first_credential_on": fields.Datetime.now()})

    def _drop_secrets(self):
        """Forget the secret of the clients that now authenticate with their key (their tokens are revoked)."""
        holding = self.sudo().filtered("secret_hash")
        if holding:
            holding.write(
                {
                    "secret_hash": False,
                    "secret_shown_to_staff": False,
                    "secret_second_half_hash": False,
                    "secret_first_half_by": False,
                }
            )
            for client in holding:
                client._message_log(body=_("Client secret removed: the client authenticates with its own key."))

    def _check_server_fields_untouched(self, vals):
        # moving tokens_valid_from back would revive the tokens of a leaked secret or of a deactivated
        # client; secret_rotated_on is what an auditor reads to know when the secret last changed
        given = sorted(CLIENT_SERVER_FIELDS.intersection(vals))
        if given and not self.env.su:
            raise AccessError(
                _("Set by the server only: %(fields)s", fields=", ".join(self._fields[f].string for f in given))
            )

    @api.model
    def _token_revocation_moment(self):
        # iat has whole seconds: a token issued in the same second as the revocation is refused too
        return fields.Datetime.now() + timedelta(seconds=1)

    def _revoke_tokens(self):
        """Refuse every access token issued to these clients so far (the cache of verified tokens
        is cleared by the write, on every worker)."""
        self.sudo().write({"tokens_valid_from": self._token_revocation_moment()})

    def _tokens_valid_from_timestamp(self):
        self.ensure_one()
        return self.tokens_valid_from.replace(tzinfo=UTC).timestamp() if self.tokens_valid_from else 0

    # --- secrets --------------------------------------------------------------------------
    def _generate_secret(self, note=None, shown_to_staff=False):
        """Store the hash of a fresh secret and return the clear secret (the only time it exists); ``note``: what
        the client's chatter says of it; ``shown_to_staff``: a person will see it, so it is the first half of an
        activation secret, whose second half another person generates (``action_generate_second_half``), and the
        pair only replaces itself (``_authenticate``). Replacing a secret revokes the tokens issued so far
        (``write``)."""
        self.ensure_one()
        self._check_secret_authenticates()
        clear = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "secret_hash": SECRET_CRYPT_CONTEXT.hash(clear),
                "secret_rotated_on": fields.Datetime.now(),
                "secret_shown_to_staff": shown_to_staff,
                "secret_second_half_hash": False,
                "secret_first_half_by": self.env.uid if shown_to_staff else False,
            }
        )
        # a log note, not a message: it needs no sender email address, which an API Manager may not have
        self._message_log(body=note or _("Client secret generated."))
        return clear

    def _check_secret_authenticates(self):
        self.ensure_one()
        if self.token_auth_method == PRIVATE_KEY_JWT:
            raise UserError(
                _("%(name)s authenticates with its own key (private key JWT): it has no secret.", name=self.name)
            )

    def _replace_secret_by_partner(self):
        """A new secret the partner asked for, authenticated with its current one (``POST /oauth/client_secret``):
        its clear text goes to the partner's answer alone, so it gets tokens (one shown to staff does not). The former
        secret, the halves staff saw when generating it included, stops working, and so does every token issued so
        far."""
        return self._generate_secret(note=_("Client secret replaced by the partner."))

    def action_generate_secret(self):
        """Generate the first half of the activation secret of a client that never had a credential (an API Manager,
        at onboarding) or of any client (a system administrator, replacing its secret), and show it once in the
        browser; another person generates the second half."""
        if shown_once.replacing_without_right(self, "secret_hash"):
            # whoever sees a secret gets tokens as the partner: the first one is handed over at onboarding, and the
            # partner then replaces it with one only it sees; an API Manager configures partners, it does not act as one
            raise AccessError(
                _(
                    "Only a system administrator may replace the client secret of %(name)s: whoever sees it can act as "
                    "the partner; the partner replaces its own secret with POST /api/v2/oauth/client_secret.",
                    name=self.name,
                )
            )
        self._check_secret_authenticates()
        if self._had_credential() and not self._is_system_administrator():
            # a live partner that authenticates by its key alone: a "first" secret would be the API Manager's own
            # credential of it (the rule of _check_first_credential_only)
            raise AccessError(
                _(
                    "Only a system administrator may give %(name)s a secret: it has or had a secret or key, so it is a "
                    "partner that authenticates already, and a secret is a credential of it. An API Manager generates "
                    "the first secret of a new client only.",
                    name=self.name,
                )
            )
        first_half = self._generate_secret(
            note=_(
                "Client secret generated. First half of its activation secret shown to %(user)s; another person "
                "generates the second half.",
                user=self.env.user.name,
            ),
            shown_to_staff=True,
        )
        return shown_once.secret_action(
            _("Activation secret, first half: copy it now, it is shown only once"),
            _(
                "Copy this first half now and hand it to the partner safely: only its hash is stored, it will never "
                "be shown again. Another API Manager or an administrator then presses Generate second half and hands "
                "that half to the partner by another channel: nobody here holds both. With both joined by a dot "
                "(first.second) as its secret, the partner's first call replaces it (POST /api/v2/oauth/client_secret) "
                "and uses the secret that call answers, which nobody here sees; the halves then stop working. If a "
                "half is lost, a system administrator generates a new secret."
            ),
            _("Client ID"),
            self.client_id,
            first_half,
        )

    def action_generate_second_half(self):
        """Generate the second half of the client's activation secret (another person than the one who saw the first:
        an API Manager or an administrator) and show it once in the browser: only the two halves together replace
        themselves, so nobody here can activate the client alone."""
        shown_once.check_api_manager(self.env)
        self.ensure_one()
        self.check_access("write")
        self._check_secret_authenticates()
        client = self.sudo()
        if not (client.secret_hash and client.secret_shown_to_staff and client.secret_first_half_by):
            raise UserError(
                _(
                    "%(name)s has no activation secret waiting for its second half: Generate secret first.",
                    name=self.name,
                )
            )
        if client.secret_first_half_by == self.env.user:
            raise AccessError(
                _(
                    "You saw the first half of the activation secret of %(name)s: another API Manager or an "
                    "administrator generates the second half, so that nobody here holds the whole secret.",
                    name=self.name,
                )
            )
        second_half = secrets.token_urlsafe(32)
        client.write({"secret_second_half_hash": SECRET_CRYPT_CONTEXT.hash(second_half)})
        self._message_log(
            body=_(
                "Second half of the activation secret generated and shown to %(user)s (the first half was shown to "
                "%(first)s).",
                user=self.env.user.name,
                first=client.secret_first_half_by.name,
            )
        )
        return shown_once.secret_action(
            _("Activation secret, second half: copy it now, it is shown only once"),
            _(
                "Copy this second half now and hand it to the partner safely, by another channel than the first "
                "half's: only its hash is stored, it will never be shown again. The partner's first call replaces "
                "the activation secret (POST /api/v2/oauth/client_secret, client_secret the two halves joined by a "
                "dot: first.second) and uses the secret that call answers, which nobody here sees."
            ),
            _("Client ID"),
            self.client_id,
            second_half,
        )

    @api.model
    def _set_demo_secret(self, client_id, clear):
        """Demo data only: give the demo client a well-known secret that `make run` prints."""
        self.browse(client_id).sudo().write({"secret_hash": SECRET_CRYPT_CONTEXT.hash(clear)})

    @api.model
    def _authenticate(self, client_id, client_secret, source_address=None, replacing_secret=False):
        """The active client with these credentials, or AccessDenied (same error whatever was wrong).

        A secret shown to registry staff (``secret_shown_to_staff``) is an activation secret: its two halves, each
        seen by another person, joined by ``HALVES_SEPARATOR``; either half alone, or a half of an earlier one, is a
        wrong secret. It authenticates only the call that replaces it (``replacing_secret``): any other raises
        SecretShownToStaff, once the whole pair is verified, so only whoever holds both halves learns that.

        ``source_address`` is the caller's address (None: one shared "unknown" address): failed
        attempts are counted per (claimed id, address) and per address, and past the limits
        AuthenticationThrottled is raised before any secret is hashed. Known and unknown ids take
        the same path: one query, and as many verifications as the presented secret has parts.
        """
        Windows = self.env["g2p.api.rate.window"]
        wait = Windows._auth_failure_wait(client_id, source_address)
        if wait:
            raise AuthenticationThrottled(wait)
        client = self.sudo().search_fetch(
            [("client_id", "=", client_id)],
            ["secret_hash", "secret_second_half_hash", "secret_shown_to_staff", "active", "token_auth_method"],
            limit=1,
        )
        if not (
            client._secret_verified(client_secret or "") and client.active and client.token_auth_method == CLIENT_SECRET
        ):
            Windows._count_auth_failure(client_id, source_address)
            raise AccessDenied()
        if client.secret_shown_to_staff and not replacing_secret:
            raise SecretShownToStaff()
        return client

    def _secret_verified(self, presented):
        """Whether ``presented`` is the secret of this client (sudo; empty for an unknown client id): its working
        secret, or the two halves of its activation secret joined by ``HALVES_SEPARATOR``, each verified against its
        own hash. Every part presented is verified, whatever the client holds: the time taken tells nothing of it."""
        first, joined, second = presented.partition(HALVES_SEPARATOR)
        first_verified = SECRET_CRYPT_CONTEXT.verify(first, self.secret_hash or UNKNOWN_CLIENT_SECRET_HASH)
        if not joined:
            return first_verified and bool(self.secret_hash) and not self.secret_shown_to_staff
        second_verified = SECRET_CRYPT_CONTEXT.verify(
            second, self.secret_second_half_hash or UNKNOWN_CLIENT_SECRET_HASH
        )
        return (
            first_verified
            and second_verified
            and bool(self.secret_hash and self.secret_second_half_hash and self.secret_shown_to_staff)
        )

    @api.model
    def _assertion_audiences(self, token_path):
        """What the aud of a client assertion may name: the token endpoint's URL (web.base.url and ``token_path``,
        the route's path on this server, never the Host header the caller sent) or the registry's issuer."""
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return [f"{base_url.rstrip('/')}{token_path}", self._token_issuer()]

    @api.model
    def _authenticate_assertion(self, assertion, audiences, client_id=None, source_address=None):
        """The active client that signed the RFC 7523 client ``assertion`` (aud one of ``audiences``), or
        AccessDenied (same error whatever was wrong); ``client_id``, when the request names one, must be the
        assertion's issuer. Throttled and counted as ``_authenticate``. The assertion's jti is recorded, in the
        caller's transaction: a second request with it is refused."""
        claimed = client_id or self._unverified_assertion_issuer(assertion)
        Windows = self.env["g2p.api.rate.window"]
        wait = Windows._auth_failure_wait(claimed, source_address)
        if wait:
            raise AuthenticationThrottled(wait)
        client = self.sudo().search([("client_id", "=", claimed or "")], limit=1) if claimed else self.browse()
        try:
            if not (client.active and client.token_auth_method == PRIVATE_KEY_JWT and client._has_signature_key()):
                jwt_service.refuse_client_assertion(
                    assertion, claimed, audiences, ASSERTION_MAX_LIFETIME, ASSERTION_LEEWAY
                )
            key = client._signature_key(jwt_service.unverified_kid(assertion))
            claims = jwt_service.verify_client_assertion(
                assertion,
                key.pem,
                client.client_id,
                audiences,
                ASSERTION_MAX_LIFETIME,
                ASSERTION_LEEWAY,
                algorithms=key.algorithms,
            )
            # kept until no clock could take it for unexpired
            if not self.env["g2p.api.client.assertion"]._use(
                client.id, claims["jti"], claims["exp"] + ASSERTION_LEEWAY
            ):
                raise jwt_service.SignatureInvalid("the assertion was used already (jti)")
        except jwt_service.SignatureInvalid as exc:
            Windows._count_auth_failure(claimed, source_address)
            raise AccessDenied() from exc
        return client

    @api.model
    def _unverified_assertion_issuer(self, assertion):
        """The iss an assertion claims, before anything is verified: whose failures to count (None when unreadable)."""
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        except (jwt.PyJWTError, AttributeError):
            return None
        return issuer if isinstance(issuer, str) else None

    # --- access tokens (RFC 6749 §4.4) ----------------------------------------------------
    @api.model
    def _token_issuer(self):
        params = self.env["ir.config_parameter"].sudo()
        return (
            params.get_param("g2p_partner_api.token_issuer") or f"urn:g2p:registry:{params.get_param('database.uuid')}"
        )

    @api.model
    def _token_audience(self):
        return self.env["ir.config_parameter"].sudo().get_param("g2p_partner_api.token_audience", "g2p-partner-api")

    def _grantable_scopes(self, requested):
        """Scopes to put in a token: all of the client's, or the requested subset; None when not a subset."""
        self.ensure_one()
        own = self._scope_codes()
        if not requested:
            return own
        wanted = set(requested.split())
        return wanted if wanted <= own else None

    def _issue_token(self, scopes):
        self.ensure_one()
        wait = self._tokens_valid_from_timestamp() - time.time()
        if wait > 0:
            # just after a revocation: an iat of the revocation's second would be refused
            time.sleep(min(wait, MAX_ISSUE_WAIT))
        now = int(time.time())
        claims = {
            "iss": self._token_issuer(),
            "sub": self.client_id,
            "aud": self._token_audience(),
            "scope": " ".join(sorted(scopes)),
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "jti": str(uuid.uuid4()),
        }
        return self.env["g2p.api.signing.key"]._sign_access_token(claims)

    @api.model
    def _grant_of_token(self, token):
        """The ``TokenGrant`` of a valid access token, or None when its client is no longer active.

        Raises jwt.PyJWTError for a token that is invalid or expired.
        """
        grant = self._token_grant(token)
        if grant and grant.expires_at <= time.time():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return grant

    @api.model
    @tools.ormcache("token")
    def _token_grant(self, token):
        # Keyed by the whole token (its jti and signature included), so an entry only ever
        # serves the exact token that was verified, for the one client it names. Clients
        # (tokens_valid_from included), scopes and signing keys clear the cache when they
        # change: a deactivated client, a removed scope, a rotated secret or key is refused at
        # the next call, on every worker (Odoo reads that signal on the primary at the start of
        # every request). Looked up on the primary, also for a call the replica serves: filled
        # from a lagging replica, the cache would keep a revoked grant past the revocation, and
        # a refusal of a client the replica does not have yet, until the next change of a client.
        with primary_cursor(self.env) as cr:
            return self.with_env(self.env(cr=cr))._lookup_token_grant(token)

    @api.model
    def _lookup_token_grant(self, token):
        Client = self.sudo()
        claims = self.env["g2p.api.signing.key"]._verify_access_token(
            token,
            audience=Client._token_audience(),
            issuer=Client._token_issuer(),
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
        client = Client.search([("client_id", "=", claims["sub"])], limit=1)
        if not client:
            return None
        issued_at, expires_at = claims["iat"], claims["exp"]
        if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in (issued_at, expires_at)):
            raise jwt.InvalidTokenError("iat and exp must be numbers")
        if expires_at - issued_at > client.token_lifetime:
            raise jwt.InvalidTokenError("the token outlives its client's token lifetime")
        if issued_at < client._tokens_valid_from_timestamp():
            raise jwt.InvalidTokenError("the token was revoked (secret rotated, client deactivated or scope removed)")
        scopes = frozenset(str(claims.get("scope", "")).split()) & client._scope_codes()
        return TokenGrant(client.id, client.client_id, scopes, int(claims["exp"]), client._effective_rate_limit())

    # --- the client of a call, its settings from the worker's cache -----------------------------------
    @api.model
    def _call_client(self, client_db_id):
        """The client (sudo) of an authenticated call, its settings (what the dependencies, the consent
        rule, the disclosures and the audit read off it) put in the call's ORM cache from the worker's
        cache, so a call reads no client row. The cache is cleared with the verified tokens' at any change
        of any client (g2p.cache.clearing.mixin, every worker): a narrowed client is narrowed at its next call."""
        client = self.sudo().browse(client_db_id)
        cache = self.env.cache
        for name, value in self._call_settings(client_db_id):
            cache.insert_missing(client, self._fields[name], [value])
        return client

    @api.model
    @tools.ormcache("client_db_id")
    def _call_settings(self, client_db_id):
        # from the primary, as the token grant (a legal basis withdrawn is withdrawn at the next call)
        with primary_cursor(self.env) as cr:
            return self.with_env(self.env(cr=cr))._lookup_call_settings(client_db_id)

    @api.model
    def _lookup_call_settings(self, client_db_id):
        # the plain columns one SELECT of the client fetches (relations and computed fields are read
        # as before), as the ORM caches them; not the secret's hash, which no call reads, nor what the
        # server writes in SQL outside the ORM (the key set's fetch times: they would not clear the cache)
        client = self.sudo().browse(client_db_id).with_context(active_test=False)
        names = [
            name
            for name, field in self._fields.items()
            if field.store
            and field.column_type
            and field.prefetch is True
            and name not in CLIENT_SERVER_FIELDS
            and not (field.groups or field.translate or field.company_dependent)
        ]
        client.fetch(names)
        return tuple((name, self.env.cache.get(client, self._fields[name])) for name in names)

    # --- scopes and programmes ----------------------------------------------------------
    def _scope_codes(self):
        self.ensure_one()
        return set(self.scope_ids.mapped("code"))

    def _program_domain(self):
        """Domain on g2p.program limiting what this client may see and act on."""
        self.ensure_one()
        return [] if self.all_programs else [("id", "in", self.allowed_program_ids.ids)]

    # --- the read-access hook (g2p_api_consent overrides _readable_registrant_domain) ---
    def _readable_registrant_domain(self, scope):
        """Domain on res.partner of the registrants this client may read with ``scope``.

        The base grants nothing: without a consent module no personal data leaves (fail closed).
        ``g2p_api_consent``, installed automatically with this module, overrides it to keep the
        registrants with an active consent for this client and scope (or everything for a client
        reading under a documented legal basis). Every read path of the suite (REST, DCI, outbound
        payloads) goes through here, searches included, in SQL before paging.
        """
        self.ensure_one()
        return list(expression.FALSE_DOMAIN)

    @api.model
    def _legal_basis_vals(self, legal_basis):
        """The values of a client that reads registrants under ``legal_basis`` (a law, a contract) rather than
        each one's consent: none here, where no consent rule applies (g2p_api_consent adds them)."""
        return {}

    # --- the registrant's consent a registration may carry (g2p_api_consent records it) ---
    def _check_registration_consent(self, consent, as_of=None):
        """Refuse, naming the field, the ``consent`` a create carries (REST body, ingest item) unless this client may
        send it; called once the rest is validated, before any registrant is looked up. ``as_of``: the day the
        registration was received (default today). The base records no consent: any is refused."""
        self.ensure_one()
        if consent is not None:
            raise ApiError(
                403,
                "registering_agent_required",
                "consent: this registry records no consent with a registration.",
                errors=[body_error("consent", "invalid_value", "not accepted")],
            )

    def _record_registration_consent(self, registrant, consent, as_of=None):
        """Record the ``consent`` a create carried for the new ``registrant`` (see _check_registration_consent),
        in the registrant's environment (its provenance). Returns the consent, if any."""
        self.ensure_one()
        self._check_registration_consent(consent, as_of)

    def _legal_basis_for_read(self):
        """The legal basis this client reads under instead of consent, if any (audited)."""
        self.ensure_one()
        return None

    def _filter_readable_registrants(self, registrants, scope):
        """The part of ``registrants`` this client may read with ``scope`` (one query)."""
        self.ensure_one()
        domain = self._readable_registrant_domain(scope)
        if not domain or not registrants:
            return registrants
        return registrants.with_context(active_test=False).search([("id", "in", registrants.ids)] + domain)

    def _check_registrant_readable(self, registrant, scope):
        """Raise ``NotFound`` unless this client may read ``registrant`` with ``scope``: a registrant it may not
        read (no consent, no legal basis) is answered exactly as one that does not exist, by every route and
        before anything else about it (archived, version, state) is looked at, so no answer tells it exists."""
        self.ensure_one()
        if registrant and not self._filter_readable_registrants(registrant, scope):
            raise not_found("Group" if registrant.is_group else "Individual", registrant.uuid)

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.g2p_partner_api.models.g2p_source_mixin import PROVENANCE_FIELDS, Provenance
from odoo.addons.g2p_partner_api.services.caller_defaults import with_caller_defaults, without_caller_defaults
from odoo.addons.g2p_partner_api.services.registry_calendar import registry_today

PURPOSE_VOCABULARY = "urn:g2p:vocab:consent-purpose"
# moved only by the actions (withdraw, expire): never by a user's create/write
SERVER_FIELDS = frozenset({"uuid", "state", "withdrawn_date", "withdraw_reason"})
# written alongside others, or by the ORM itself: not a change of the consent worth a history row
HISTORY_SILENT = frozenset({"message_follower_ids", "message_main_attachment_id", "history_ids"})
# what the registrant agreed to: changing it is a new consent, so a new record
TERMS = frozenset({"partner_id", "client_id", "purpose_id", "scope_ids", "given_date", "expiry_date"})
# scopes that only read: what staff and partner systems may record consent for (see _recordable_scope_codes)
READ_SCOPE_SUFFIX = ":read"
SEARCH_SCOPES = frozenset({"dci:search"})


def _scopes_shown(string, help_text):
    """A part of a consent's scopes, computed from them and shown by what each is ("Read individuals")."""
    return fields.Many2many(
        "g2p.api.scope",
        string=string,
        compute="_compute_scope_kinds",
        context={"g2p_scope_label": "description"},
        help=help_text,
    )


class G2PConsent(models.Model):
    _name = "g2p.consent"
    _inherit = ["g2p.uuid.mixin", "g2p.source.mixin", "mail.thread"]
    _description = "Consent of a registrant to share data with partner systems"
    _order = "given_date desc, id desc"
    _rec_name = "uuid"
    _rec_names_search = ["partner_id", "client_id", "uuid"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Registrant",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('is_registrant', '=', True)]",
        tracking=True,
    )
    client_id = fields.Many2one(
        "g2p.api.client",
        string="Recipient",
        # a consent is the record of what a person agreed to: deleting its recipient must not erase it (archive)
        ondelete="restrict",
        index=True,
        tracking=True,
        help="The partner system this consent is given to; empty means any registered partner.",
    )
    recipient_name = fields.Char(
        string="Recipient name", compute="_compute_recipient_name", help="The partner system, or any partner"
    )
    purpose_id = fields.Many2one(
        "g2p.vocabulary.code",
        required=True,
        ondelete="restrict",
        domain=[("namespace_uri", "=", PURPOSE_VOCABULARY)],
        tracking=True,
    )
    scope_ids = fields.Many2many(
        "g2p.api.scope",
        string="Scopes",
        required=True,
        # shown by what they are ("Read individuals"), not by the scope code of the API
        context={"g2p_scope_label": "description"},
        help="The API scopes the registrant agreed to: data categories a partner may read, and changes it may make.",
    )
    # the scopes split as a person reads them: what a partner may read, and what it may change
    data_category_ids = _scopes_shown("Data categories", "What the registrant agreed partner systems may read.")
    write_scope_ids = _scopes_shown(
        "Changes allowed", "Write scopes: what the registrant agreed partner systems may change in their record."
    )
    # the registry's day, as every check of it against today reads it, whoever records or reads it
    given_date = fields.Date(required=True, default=lambda self: registry_today(self.env), tracking=True)
    expiry_date = fields.Date(tracking=True)
    state = fields.Selection(
        [("active", "Active"), ("withdrawn", "Withdrawn"), ("expired", "Expired")],
        default="active",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    withdrawn_date = fields.Datetime(readonly=True)
    withdraw_reason = fields.Char(readonly=True)
    evidence_reference = fields.Char(
        help="Reference of the signed form, recording or system record proving the consent."
    )
    evidence_attachment_ids = fields.Many2many("ir.attachment", string="Evidence")
    history_ids = fields.One2many("g2p.consent.history", "consent_id", readonly=True)

    _sql_constraints = [("uuid_unique", "unique(uuid)", "The UUID of a consent must be unique.")]

    @api.depends("partner_id.name", "client_id.name")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _(
                "Consent: %(registrant)s → %(recipient)s",
                registrant=rec.partner_id._readable_as_registry().name or "?",
                recipient=rec.client_id.sudo().name or _("any partner"),
            )

    @api.depends("client_id.name")
    def _compute_recipient_name(self):
        for rec in self:
            rec.recipient_name = rec.client_id.sudo().name or _("Any partner")

    @api.depends("scope_ids.code")
    def _compute_scope_kinds(self):
        for rec in self:
            reads = rec.scope_ids.filtered(lambda s: s.code.endswith(READ_SCOPE_SUFFIX) or s.code in SEARCH_SCOPES)
            rec.data_category_ids = reads
            rec.write_scope_ids = rec.scope_ids - reads

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        if not self.env.su:
            self._refuse(set().union(*vals_list) & SERVER_FIELDS)
        records = super().create(vals_list)
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            records._check_scopes_recordable()
        records._add_history("given")
        return records

    @api.model
    def _recordable_scope_codes(self):
        """Scope codes a consent recorded by staff or a partner system may cover: reads only. A consent
        for a write scope lets a partner system change the person's record: that is a data-sharing
        agreement only a system administrator records."""
        codes = self.env["g2p.api.scope"].sudo().search([]).mapped("code")
        return frozenset(code for code in codes if code.endswith(READ_SCOPE_SUFFIX) or code in SEARCH_SCOPES)

    def _check_scopes_recordable(self):
        refused = sorted(set(self.sudo().scope_ids.mapped("code")) - self._recordable_scope_codes())
        if refused:
            raise AccessError(
                _(
                    "Only a system administrator records consent for these data categories: %(scopes)s",
                    scopes=", ".join(refused),
                )
            )

    def write(self, vals):
        if not self.env.su:
            self._refuse(SERVER_FIELDS.intersection(vals))
            self._refuse(TERMS.intersection(vals))
            if self.filtered(lambda c: c.state != "active"):
                raise AccessError(_("A withdrawn or expired consent is a record of the past: it is not edited."))
        if "state" in vals and self.filtered(lambda c: c.state != "active" and c.state != vals["state"]):
            raise UserError(_("A withdrawn or expired consent is never active again: record a new consent."))
        moved = self.filtered(lambda c: vals.get("state", c.state) != c.state)
        result = super().write(vals)
        if moved:
            moved._add_history(vals["state"], note=vals.get("withdraw_reason"))
        changed = sorted(set(vals) - SERVER_FIELDS - PROVENANCE_FIELDS - HISTORY_SILENT)
        if changed and self - moved:
            (self - moved)._add_history("changed", note=", ".join(self._fields[name].string for name in changed))
        return result

    def _add_history(self, event, note=None):
        """One history row per consent. Who: the client of the API call that made the change (its
        provenance, which only server code sets), else the name server code running as superuser put
        in the context (the expiry cron), else the user."""
        provenance = self.env.context.get("g2p_provenance")
        if isinstance(provenance, Provenance):
            actor = self.env["g2p.api.client"].sudo().browse(provenance.client_id).name
        else:
            actor = (self.env.su and self.env.context.get("g2p_consent_actor")) or self.env.user.name
        without_caller_defaults(self.env["g2p.consent.history"].sudo()).create(
            [{"consent_id": rec.id, "event": event, "actor": actor, "note": note} for rec in self]
        )

    def _refuse(self, fields_given):
        if fields_given:
            raise AccessError(
                _(
                    "These fields of a consent change only through its actions or a new consent: %s",
                    ", ".join(sorted(fields_given)),
                )
            )

    @api.constrains("given_date", "expiry_date", "partner_id", "purpose_id")
    def _check_consent(self):
        for rec in self:
            if rec.expiry_date and rec.expiry_date < rec.given_date:
                raise ValidationError(_("A consent cannot expire before it is given."))
            if not rec.partner_id.is_registrant:
                raise ValidationError(_("Consent is given by a registrant."))
            if rec.purpose_id.namespace_uri != PURPOSE_VOCABULARY:
                raise ValidationError(_("The purpose must be a code of the consent purpose vocabulary."))

    @api.model
    def _current_domain(self, client, scope):
        """Consents that let ``client`` read with ``scope`` today."""
        today = registry_today(self.env)
        return [
            ("state", "=", "active"),
            ("given_date", "<=", today),
            "|",
            ("expiry_date", "=", False),
            ("expiry_date", ">=", today),
            "|",
            ("client_id", "=", False),
            ("client_id", "=", client.id),
            ("scope_ids.code", "=", scope),
        ]

    def action_withdraw(self, reason=None):
        """Withdrawal takes effect at once: the next read by any partner is refused."""
        self.check_access("write")
        if self.filtered(lambda c: c.state != "active"):
            raise UserError(_("Only an active consent can be withdrawn."))
        self.sudo().write(
            {
                "state": "withdrawn",
                "withdrawn_date": fields.Datetime.now(),
                "withdraw_reason": reason or _("Withdrawn by the registrant"),
            }
        )

    def action_download_receipt(self):
        """The consent's receipt signed by the registry, as ``GET /Consent/{uuid}/receipt`` answers it (the
        receipt and its JWS), for staff to hand to the person: kept as a file on the consent and downloaded.
        Registry staff only (checked here, not by the view); the registrant is named when the user may read it."""
        self.ensure_one()
        if not self.env.user.has_group("g2p_partner_api.group_registry_viewer"):
            raise AccessError(_("Only registry staff may issue a consent receipt."))
        self.check_access("read")
        # here, not at the top: the services import this module's constants
        from ..services import consent_receipt

        shown = self.partner_id.uuid if self.partner_id.has_access("read") else None
        signed = consent_receipt.signed_receipt(self.env, consent_receipt.receipt(self.client_id, shown, self))
        attachment = without_caller_defaults(
            self.env["ir.attachment"].sudo()
        ).create(  # no default of the caller's (public, ...)
            {
                "name": f"consent-receipt-{self.uuid}.json",
                "raw": signed.model_dump_json(indent=2).encode(),
                "mimetype": "application/json",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    @api.model
    def _cron_expire(self):
        expired = self.search([("state", "=", "active"), ("expiry_date", "<", registry_today(self.env))])
        expired.sudo().with_context(g2p_consent_actor=_("The registry (expiry date)")).write({"state": "expired"})
        return len(expired)

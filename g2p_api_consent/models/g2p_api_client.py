from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.g2p_partner_api.services.call_cache import once_per_call
from odoo.addons.g2p_partner_api.services.caller_defaults import with_caller_defaults

from ..services import consent_recording


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    legal_basis_enabled = fields.Boolean(
        string="Reads under a legal basis",
        help="This client reads without consent under the legal basis below; every such read is audited. Only a "
        "system administrator may switch it on or change the basis while it is on: it opens every registrant to "
        "this client without their consent.",
        tracking=True,
    )
    legal_basis = fields.Text(
        help="The law or regulation that allows this client to read without consent.", tracking=True
    )
    consent_ids = fields.One2many("g2p.consent", "client_id", string="Consents")
    # what this client may record through POST /Consent: a consent it records hands data to another
    # client, so only a system administrator decides to whom and which data (never a write scope)
    consent_recipient_ids = fields.Many2many(
        "g2p.api.client",
        "g2p_api_client_consent_recipient_rel",
        "client_id",
        "recipient_id",
        string="May record consent for",
        copy=False,
        groups="base.group_system",
        help="Other clients this client may name as recipient of a consent it records through the API.",
    )
    consent_scope_ids = fields.Many2many(
        "g2p.api.scope",
        "g2p_api_client_consent_scope_rel",
        "client_id",
        "scope_id",
        string="Data categories it may record consent for",
        copy=False,
        groups="base.group_system",
        domain=lambda self: [("code", "in", sorted(self.env["g2p.consent"]._recordable_scope_codes()))],
        help="Read scopes a consent recorded by this client through the API may cover; write scopes never.",
    )
    consent_count = fields.Integer(compute="_compute_consent_count")
    is_registering_agent = fields.Boolean(
        string="Registering agent",
        tracking=True,
        help="This client may send the registrant's consent with a registration (REST POST /Individual and /Group, "
        "ingest items), for itself and the read scopes it holds: it then reads back the people it registered. Only a "
        "system administrator may switch it on: the client records the consent that opens data to itself.",
    )

    @api.model
    def _legal_basis_vals(self, legal_basis):
        return dict(super()._legal_basis_vals(legal_basis), legal_basis_enabled=True, legal_basis=legal_basis)

    @api.model
    def _safe_settings(self):
        return dict(super()._safe_settings(), legal_basis_enabled=False, is_registering_agent=False)

    @api.model
    def _audited_settings(self):
        return super()._audited_settings() + ["legal_basis"]

    def _check_unsafe_settings(self, vals):
        super()._check_unsafe_settings(vals)
        # the basis a client reads without consent under is part of that safeguard: whoever may not switch it
        # on may not reword it either (a blank or different basis changes what every audit row says)
        if "legal_basis" not in vals or self._is_system_administrator():
            return
        if any((rec.legal_basis or "") != (vals["legal_basis"] or "") for rec in self.filtered("legal_basis_enabled")):
            raise AccessError(
                _(
                    "Only a system administrator may change the legal basis of %(clients)s: it reads without consent.",
                    clients=", ".join(self.filtered("legal_basis_enabled").mapped("name")),
                )
            )

    @api.constrains("legal_basis_enabled", "legal_basis")
    def _check_legal_basis(self):
        for rec in self:
            if rec.legal_basis_enabled and not (rec.legal_basis or "").strip():
                raise ValidationError(_("Write the legal basis this client reads under."))

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        for vals in vals_list:
            self._check_consent_recording_rights(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_consent_recording_rights(vals)
        return super().write(vals)

    @api.model
    def _check_consent_recording_rights(self, vals):
        # field groups hide these from other users and guard write, not create: checked here for both
        given = sorted({"consent_recipient_ids", "consent_scope_ids"}.intersection(vals))
        if given and not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(
                _(
                    "Only a system administrator decides for whom and for which data a client records consent: "
                    "%(fields)s",
                    fields=", ".join(self._fields[name].string for name in given),
                )
            )

    @api.constrains("consent_recipient_ids", "consent_scope_ids")
    def _check_consent_recording(self):
        recordable = self.env["g2p.consent"]._recordable_scope_codes()
        for rec in self.sudo():
            if rec in rec.consent_recipient_ids:
                raise ValidationError(_("A client cannot record consent that gives itself access."))
            refused = sorted(set(rec.consent_scope_ids.mapped("code")) - recordable)
            if refused:
                raise ValidationError(
                    _(
                        "Consent recorded by a client covers read scopes only, not: %(scopes)s",
                        scopes=", ".join(refused),
                    )
                )

    def _compute_consent_count(self):
        counts = dict(self.env["g2p.consent"]._read_group([("client_id", "in", self.ids)], ["client_id"], ["__count"]))
        for rec in self:
            rec.consent_count = counts.get(rec, 0)

    def _readable_registrant_domain(self, scope):
        """Registrants with a consent in force for this client and ``scope``; every registrant for a
        client reading under a legal basis. Replaces the base hook, which grants nothing."""
        self.ensure_one()
        if self.legal_basis_enabled:
            return []

        return [("consent_ids", "any", self._current_consent_domain(scope))]

    def _current_consent_domain(self, scope):
        """The consents in force that let this client read with ``scope`` (``g2p.consent._current_domain``),
        built once per API call (a DCI batch checks it for every item, the call's disclosures name the
        consent), never shared between clients."""
        self.ensure_one()
        return list(
            once_per_call(
                ("current_consent_domain", self.id, scope),
                lambda: self.env["g2p.consent"]._current_domain(self, scope),
            )
        )

    @api.depends("is_registering_agent")
    def _compute_capabilities(self):
        return super()._compute_capabilities()

    def _capability_lines(self):
        lines = super()._capability_lines()
        if not self.is_registering_agent:
            return lines
        agent = _("may send the registrant's consent for itself with a registration (REST create, ingest item)")
        return lines + [(_("Registering agent"), agent)]

    def _check_registration_consent(self, consent, as_of=None):
        consent_recording.check_registration_consent(self.env, self, consent, as_of)

    def _record_registration_consent(self, registrant, consent, as_of=None):
        return consent_recording.record_registration_consent(registrant.env, self, consent, registrant, as_of)

    def _legal_basis_for_read(self):
        self.ensure_one()
        return self.legal_basis if self.legal_basis_enabled else super()._legal_basis_for_read()

    def action_view_consents(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Consents"),
            "res_model": "g2p.consent",
            "view_mode": "list,form",
            "domain": [("client_id", "=", self.id)],
            "context": {"default_client_id": self.id},
        }

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services.call_cache import once_per_call


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    legal_basis_enabled = fields.Boolean(
        string="Reads under a legal basis",
        help="This client reads without consent under the legal basis below; every such read is audited.",
        tracking=True,
    )
    legal_basis = fields.Text(
        help="The law or regulation that allows this client to read without consent.", tracking=True
    )
    consent_ids = fields.One2many("g2p.consent", "client_id", string="Consents")
    consent_count = fields.Integer(compute="_compute_consent_count")

    @api.constrains("legal_basis_enabled", "legal_basis")
    def _check_legal_basis(self):
        for rec in self:
            if rec.legal_basis_enabled and not (rec.legal_basis or "").strip():
                raise ValidationError(_("Write the legal basis this client reads under."))

    @api.model
    def _safe_settings(self):
        # a legal basis switches the consent check off for this client: API Managers onboard clients,
        # only a system administrator lets one read every registrant without consent
        return dict(super()._safe_settings(), legal_basis_enabled=False)

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

        def consent_rule():
            return [("consent_ids", "any", self.env["g2p.consent"]._current_domain(self, scope))]

        # built once per API call (a DCI batch checks it for every item), never shared between clients
        return list(once_per_call(("readable_registrant_domain", self.id, scope), consent_rule))

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

from odoo import _, models


class G2PApiScope(models.Model):
    _inherit = "g2p.api.scope"

    def _referring_records(self):
        referring = super()._referring_records()
        Consent = self.env["g2p.consent"].sudo()
        Client = self.env["g2p.api.client"].sudo().with_context(active_test=False)
        referring[_("consents")] = Consent.search([("scope_ids", "in", self.ids)], limit=1)
        referring[_("API clients recording consent")] = Client.search([("consent_scope_ids", "in", self.ids)], limit=1)
        return referring

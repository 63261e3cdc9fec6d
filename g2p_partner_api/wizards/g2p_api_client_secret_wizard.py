from odoo import api, fields, models


class G2PApiClientSecretWizard(models.TransientModel):
    """Shows a freshly generated client secret once. The secret is never stored: it lives in
    the action context sent to the browser and is computed from it for display only."""

    _name = "g2p.api.client.secret.wizard"
    _description = "Show a new API client secret once"

    client_ref = fields.Char(string="Client ID", readonly=True)
    client_secret = fields.Char(compute="_compute_client_secret", string="Client secret")

    @api.depends_context("g2p_clear_secret")
    def _compute_client_secret(self):
        for rec in self:
            rec.client_secret = self.env.context.get("g2p_clear_secret")

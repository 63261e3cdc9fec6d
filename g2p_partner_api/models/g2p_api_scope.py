from odoo import api, fields, models


class G2PApiScope(models.Model):
    _name = "g2p.api.scope"
    _inherit = ["g2p.cache.clearing.mixin"]  # granted scopes are cached with verified tokens
    _description = "OAuth scope a client may be granted"
    _order = "code"
    _rec_name = "code"
    _rec_names_search = ["code", "description"]

    code = fields.Char(required=True, help="Scope string as it appears in tokens, e.g. individual:read")
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "This scope already exists.")]

    @api.depends("code", "description")
    @api.depends_context("g2p_scope_label")
    def _compute_display_name(self):
        # screens about registrants (consents) name the data category; screens about clients, the scope code
        by_description = self.env.context.get("g2p_scope_label") == "description"
        for rec in self:
            rec.display_name = (by_description and rec.description) or rec.code

    def unlink(self):
        # the clients holding a deleted scope lose it: their earlier tokens are refused, as at any scope removal
        holders = (
            self.env["g2p.api.client"].sudo().with_context(active_test=False).search([("scope_ids", "in", self.ids)])
        )
        holders._revoke_tokens()
        return super().unlink()

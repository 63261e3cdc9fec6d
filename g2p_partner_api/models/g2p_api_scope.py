from odoo import fields, models


class G2PApiScope(models.Model):
    _name = "g2p.api.scope"
    _inherit = ["g2p.cache.clearing.mixin"]  # granted scopes are cached with verified tokens
    _description = "OAuth scope a client may be granted"
    _order = "code"
    _rec_name = "code"

    code = fields.Char(required=True, help="Scope string as it appears in tokens, e.g. individual:read")
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "This scope already exists.")]

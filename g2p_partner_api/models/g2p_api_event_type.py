from odoo import fields, models


class G2PApiEventType(models.Model):
    _name = "g2p.api.event.type"
    _description = "Registry event partners can subscribe to"
    _order = "code"
    _rec_name = "code"

    code = fields.Char(required=True, help="e.g. individual.updated")
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "This event type already exists.")]

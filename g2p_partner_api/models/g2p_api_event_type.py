from odoo import api, fields, models


class G2PApiEventType(models.Model):
    _name = "g2p.api.event.type"
    _description = "Registry event partners can subscribe to"
    _order = "code"
    _rec_name = "code"
    _rec_names_search = ["code", "description"]

    code = fields.Char(required=True, help="e.g. individual.updated")
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "This event type already exists.")]

    @api.depends("code", "description")
    def _compute_display_name(self):
        # people read what happened ("An individual changed"); partners and the API use the code
        for rec in self:
            rec.display_name = rec.description or rec.code

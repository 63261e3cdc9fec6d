from odoo import fields, models


class G2PProgram(models.Model):
    _name = "g2p.program"
    _inherit = ["g2p.uuid.mixin", "g2p.source.mixin", "mail.thread", "g2p.api.event.emitter"]
    _description = "Social protection programme"
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    description = fields.Text()
    target_type = fields.Selection(
        [("individual", "Individuals"), ("group", "Groups")], required=True, default="individual", tracking=True
    )
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("ended", "Ended")], default="draft", required=True, tracking=True
    )
    membership_ids = fields.One2many("g2p.program.membership", "program_id", string="Memberships")
    enrolled_count = fields.Integer(compute="_compute_enrolled_count")
    active = fields.Boolean(default=True)

    _sql_constraints = [("uuid_unique", "unique(uuid)", "The UUID of a programme must be unique.")]

    def _g2p_event_type(self, operation):
        return f"programme.{operation}"

    def _compute_enrolled_count(self):
        counts = dict(
            self.env["g2p.program.membership"]._read_group(
                [("program_id", "in", self.ids), ("state", "=", "enrolled")], ["program_id"], ["__count"]
            )
        )
        for rec in self:
            rec.enrolled_count = counts.get(rec, 0)

    def action_activate(self):
        self.write({"state": "active"})

    def action_end(self):
        self.write({"state": "ended"})

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..services.caller_defaults import with_caller_defaults
from ..services.paging import MEMBERSHIP_SORTS
from ..services.registry_calendar import registry_today

# state -> the states it may move to
ALLOWED_TRANSITIONS = {
    "draft": {"enrolled", "not_eligible"},
    "enrolled": {"paused", "exited"},
    "paused": {"enrolled", "exited"},
    "not_eligible": {"draft"},
    "exited": set(),
}


class G2PProgramMembership(models.Model):
    _name = "g2p.program.membership"
    _inherit = ["g2p.uuid.mixin", "g2p.source.mixin", "mail.thread", "g2p.api.event.emitter"]
    _description = "Programme membership"
    _order = "program_id, id"
    _rec_name = "partner_id"
    _rec_names_search = ["partner_id", "program_id"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Registrant",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('is_registrant', '=', True)]",
    )
    program_id = fields.Many2one("g2p.program", string="Programme", required=True, ondelete="cascade", index=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("enrolled", "Enrolled"),
            ("paused", "Paused"),
            ("exited", "Exited"),
            ("not_eligible", "Not eligible"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    enrollment_date = fields.Date(tracking=True)
    exit_date = fields.Date(tracking=True)
    exit_reason = fields.Char()

    _sql_constraints = [
        ("uuid_unique", "unique(uuid)", "The UUID of a membership must be unique."),
        (
            "partner_program_unique",
            "unique(partner_id, program_id)",
            "This registrant already has a membership in this programme.",
        ),
    ]

    def init(self):
        res = super().init()
        # the sorts of GET /ProgramMembership besides the id (services/paging.py): index ranges at any size
        for column in sorted({order.column for order in MEMBERSHIP_SORTS.values()} - {"id"}):
            tools.create_index(self.env.cr, f"g2p_program_membership_{column}_page_idx", self._table, [column, "id"])
        return res

    def _g2p_event_type(self, operation):
        return "program_membership.changed"

    @api.depends("partner_id.name", "program_id.name")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _(
                "%(registrant)s in %(programme)s",
                registrant=rec.partner_id._readable_as_registry().name or "?",
                programme=rec.program_id.sudo().name,
            )

    @api.constrains("partner_id", "program_id")
    def _check_target_type(self):
        for rec in self:
            wants_group = rec.program_id.target_type == "group"
            if not rec.partner_id.is_registrant or rec.partner_id.is_group != wants_group:
                raise ValidationError(
                    _(
                        "Programme %(program)s enrols %(target)s only.",
                        program=rec.program_id.name,
                        # the label in the user's language, as the form shows it
                        target=dict(rec.program_id._fields["target_type"]._description_selection(rec.env))[
                            rec.program_id.target_type
                        ].lower(),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        for vals in vals_list:
            partner, program = vals.get("partner_id"), vals.get("program_id")
            if partner and program and self.search_count([("partner_id", "=", partner), ("program_id", "=", program)]):
                raise ValidationError(_("This registrant already has a membership in this programme."))
        return super().create(vals_list)

    def _move_to(self, new_state, **vals):
        # the caller's right first: a refusal must not depend on (nor tell) the membership's state
        self.check_access("write")
        for rec in self:
            if new_state not in ALLOWED_TRANSITIONS[rec.state]:
                raise UserError(_("A membership cannot go from %(old)s to %(new)s.", old=rec.state, new=new_state))
            if new_state == "enrolled" and rec.program_id.state == "ended":
                raise UserError(_("Programme %s has ended: nobody can be enrolled.", rec.program_id.name))
        self.write(dict(vals, state=new_state))

    def action_enroll(self):
        first_time = self.filtered(lambda m: not m.enrollment_date)
        self._move_to("enrolled")
        first_time.write({"enrollment_date": registry_today(self.env)})

    def action_pause(self):
        self._move_to("paused")

    def action_exit(self, reason=None):
        self._move_to("exited", exit_date=registry_today(self.env), exit_reason=reason)

    def action_not_eligible(self):
        self._move_to("not_eligible")

    def action_reset_draft(self):
        self._move_to("draft")

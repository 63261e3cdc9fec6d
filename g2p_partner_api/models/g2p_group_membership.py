from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.registry_calendar import registry_today
from ..services.vocabularies import KIND_VOCABULARY


class G2PGroupMembership(models.Model):
    _name = "g2p.group.membership"
    _inherit = ["g2p.source.mixin", "g2p.api.event.emitter", "g2p.registrant.part.mixin"]
    _description = "Membership of an individual in a group"
    # a membership is part of both wire forms: the group's members and the individual's groups
    _registrant_fields = ("group_id", "individual_id")
    _order = "group_id, id"

    group_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True, domain="[('is_group', '=', True)]"
    )
    individual_id = fields.Many2one(
        "res.partner",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('is_registrant', '=', True), ('is_group', '=', False)]",
    )
    kind_ids = fields.Many2many(
        "g2p.vocabulary.code", string="Household roles", domain=[("namespace_uri", "=", KIND_VOCABULARY)]
    )
    start_date = fields.Date(default=lambda self: registry_today(self.env))
    end_date = fields.Date()
    end_reason = fields.Char(help="Why the membership ended, as given when it was ended")
    # never stored: a membership given a later end date is ended from that day on, with no write to recompute it
    is_ended = fields.Boolean(compute="_compute_is_ended", search="_search_is_ended")

    def _g2p_event_type(self, operation):
        return "membership.changed"

    def _registrant_changes(self):
        # a change of the group caused by its member and of the member caused by the group: the pull feed tells
        # it only to a client that reads the other side, whose wire form alone shows the membership
        return [pair for rec in self for pair in ((rec.group_id, rec.individual_id), (rec.individual_id, rec.group_id))]

    @api.depends("individual_id.name", "group_id.name", "kind_ids.display")
    def _compute_display_name(self):
        for rec in self:
            kinds = ", ".join(rec.kind_ids.mapped("display"))
            person = f"{rec.individual_id.name} ({kinds})" if kinds else rec.individual_id.name
            rec.display_name = _("%(person)s in %(group)s", person=person, group=rec.group_id.name)

    @api.depends("end_date")
    def _compute_is_ended(self):
        current = self._open_today()
        for rec in self:
            rec.is_ended = rec not in current

    def _search_is_ended(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Memberships are searched as ended or not ended only."))
        open_today = self._open_domain(registry_today(self.env))
        return ["!", *open_today] if (operator == "=") == value else open_today

    @api.model
    def _open_domain(self, day):
        """Memberships open on ``day``: without an end date, or ending after it (one ending later is open now)."""
        return ["|", ("end_date", "=", False), ("end_date", ">", day)]

    def _open_on(self, day):
        """Those of these memberships open on ``day`` (``_open_domain``)."""
        return self.filtered(lambda m: not m.end_date or m.end_date > day)

    def _open_today(self):
        """Those of these memberships open today in the registry's calendar: the current ones."""
        return self._open_on(registry_today(self.env))

    @api.constrains("group_id", "individual_id", "kind_ids", "start_date", "end_date")
    def _check_membership(self):
        today = registry_today(self.env)
        for rec in self:
            if not rec.group_id.is_group:
                raise ValidationError(_("%s is not a group.", rec.group_id.display_name))
            if rec.individual_id.is_group or not rec.individual_id.is_registrant:
                raise ValidationError(_("%s is not an individual registrant.", rec.individual_id.display_name))
            if any(kind.namespace_uri != KIND_VOCABULARY for kind in rec.kind_ids):
                raise ValidationError(_("Household roles must come from the household role vocabulary."))
            if rec.start_date and rec.end_date and rec.end_date < rec.start_date:
                raise ValidationError(_("A membership cannot end before it starts."))
            # every membership of the group, those the writer's company may not read included (a head of
            # another company's is still the head): a rule of the register, not of what the writer sees. A
            # membership ending after today is open until then, as one without an end date.
            if not rec._open_on(today):
                continue
            others_open = [("group_id", "=", rec.group_id.id), ("id", "!=", rec.id), *self._open_domain(today)]
            if self.sudo().search_count([*others_open, ("individual_id", "=", rec.individual_id.id)]):
                raise ValidationError(
                    _(
                        "%(person)s is already a member of %(group)s.",
                        person=rec.individual_id.display_name,
                        group=rec.group_id.display_name,
                    )
                )
            if "head" in rec.kind_ids.mapped("code") and self.sudo().search_count(
                [*others_open, ("kind_ids.code", "=", "head")]
            ):
                raise ValidationError(_("%s already has a head.", rec.group_id.display_name))

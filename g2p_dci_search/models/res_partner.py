from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    group_size = fields.Integer(
        compute="_compute_group_size",
        store=True,
        index=True,
        help="Households: number of current members (DCI group_size, searchable by participants).",
    )

    @api.depends("is_group", "group_member_ids", "group_member_ids.is_ended")
    def _compute_group_size(self):
        for partner in self:
            partner.group_size = (
                len(partner.group_member_ids.filtered(lambda m: not m.is_ended)) if partner.is_group else 0
            )

from odoo import api, fields, models

VIEWER = "g2p_partner_api.group_registry_viewer"


class ResPartner(models.Model):
    """A registrant's provenance names the change requests that registered and last changed it."""

    _inherit = "res.partner"

    created_by_request_id = fields.Many2one(
        "g2p.change.request",
        string="Registered by change request",
        compute="_compute_change_requests",
        groups=VIEWER,
    )
    last_change_request_id = fields.Many2one(
        "g2p.change.request",
        string="Last changed by change request",
        compute="_compute_change_requests",
        groups=VIEWER,
    )

    @api.depends("is_registrant")
    def _compute_change_requests(self):
        # searched as the reader: a request the reader may not read is not named
        applied = self.env["g2p.change.request"].search(
            [("registrant_id", "in", self.filtered("is_registrant").ids), ("state", "=", "applied")],
            order="review_date, id",
        )
        by_registrant = applied.grouped("registrant_id")
        for rec in self:
            requests = by_registrant.get(rec, applied.browse())
            rec.created_by_request_id = requests.filtered(lambda r: r.operation == "add")[:1]
            rec.last_change_request_id = requests[-1:]

from odoo import api, fields, models


def _request_link(string):
    """A change request applied to the registrant, found when read (as the reader: one it may not read is not
    named)."""
    return fields.Many2one(
        "g2p.change.request",
        string=string,
        compute="_compute_change_requests",
        groups="g2p_partner_api.group_registry_viewer",
    )


class ResPartner(models.Model):
    """A registrant's provenance names the change requests that registered and last changed it."""

    _inherit = "res.partner"

    created_by_request_id = _request_link("Registered by change request")
    last_change_request_id = _request_link("Last changed by change request")

    @api.depends("is_registrant")
    def _compute_change_requests(self):
        applied = self.env["g2p.change.request"].search(
            [("registrant_id", "in", self.filtered("is_registrant").ids), ("state", "=", "applied")],
            order="review_date, id",
        )
        by_registrant = applied.grouped("registrant_id")
        for rec in self:
            requests = by_registrant.get(rec, applied.browse())
            rec.created_by_request_id = requests.filtered(lambda r: r.operation == "add")[:1]
            rec.last_change_request_id = requests[-1:]

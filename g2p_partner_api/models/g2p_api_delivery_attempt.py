from odoo import _, api, fields, models


class G2PApiDeliveryAttempt(models.Model):
    _name = "g2p.api.delivery.attempt"
    _description = "Attempt to deliver an outbound event"
    _order = "delivery_id, attempt_no"

    delivery_id = fields.Many2one("g2p.api.delivery", required=True, ondelete="cascade", index=True)
    attempt_no = fields.Integer(required=True)
    status_code = fields.Integer(string="HTTP status", aggregator=False)
    latency_ms = fields.Float(string="Latency (ms)", digits=(16, 1))
    error = fields.Char(help="Why the attempt did not succeed, in one line")
    response_excerpt = fields.Text()
    outcome = fields.Char()
    next_retry = fields.Datetime()

    @api.depends("attempt_no")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _("Attempt %(number)s", number=rec.attempt_no)

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

HTTP_METHODS = [("POST", "POST"), ("PUT", "PUT"), ("PATCH", "PATCH"), ("DELETE", "DELETE")]


class G2PApiSubscriptionEvent(models.Model):
    """How one event of a subscription is sent, where it differs from the subscription (the remote API
    provisioner's per-method map: e.g. POST on create, DELETE to the partner's document on archive)."""

    _name = "g2p.api.subscription.event"
    _inherit = ["g2p.guarded.settings.mixin"]
    _description = "Per-event settings of an outbound subscription"
    _order = "subscription_id, event_type_id"

    subscription_id = fields.Many2one("g2p.api.subscription", required=True, ondelete="cascade", index=True)
    event_type_id = fields.Many2one("g2p.api.event.type", string="Event", required=True, ondelete="cascade")
    http_method = fields.Selection(HTTP_METHODS, string="HTTP method", help="Empty: the subscription's method")
    url_template = fields.Char(
        string="URL template",
        help="Empty: the subscription's URL template (or its target URL). Jinja, e.g. "
        "{{ base }}/documents/{{ subject }}; the URL it renders is checked against the outbound "
        "destination rules at every send.",
    )
    payload_template = fields.Text(help="Empty: the subscription's payload template (or the CloudEvents event)")

    _sql_constraints = [
        ("event_unique", "unique(subscription_id, event_type_id)", "One set of settings per event of a subscription.")
    ]

    def _check_administrators_own(self, vals):
        self._check_destination_kept(vals)
        return super()._check_administrators_own(vals)

    def _check_destination_kept(self, vals):
        """A URL template is where the event goes, and settings moved to another subscription take theirs
        along: as the subscription's target URL, a system administrator's to set (see
        g2p.api.subscription._check_destination_kept)."""
        moving = ("url_template" in vals or "subscription_id" in vals) if self else bool(vals.get("url_template"))
        if not moving or self._is_system_administrator():
            return
        if self:
            self.check_access("write")  # the right first: what the settings hold is no business of others
        raise AccessError(
            _(
                "Only a system administrator may set where a partner's deliveries go (the URL template of an "
                "event, or the subscription its settings belong to): ask one."
            )
        )

    @api.constrains("event_type_id", "url_template", "payload_template")
    def _check_event(self):
        for rec in self:
            if rec.event_type_id not in rec.subscription_id.event_type_ids:
                raise ValidationError(
                    _(
                        "Event %(event)s has its own settings but subscription %(name)s does not subscribe to it.",
                        event=rec.event_type_id.code,
                        name=rec.subscription_id.name,
                    )
                )
            self.env["g2p.api.subscription"]._check_templates([rec.url_template, rec.payload_template])

from odoo import api, models


class G2PApiSubscription(models.Model):
    _inherit = "g2p.api.subscription"

    @api.model
    def _emit_pending(self, pending):
        result = super()._emit_pending(pending)
        self.env["g2p.dci.subscription"].sudo()._notify_registry_events(list(pending.values()))
        return result

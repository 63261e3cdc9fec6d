from odoo import fields, models


class G2PChangeRequestRejectWizard(models.TransientModel):
    _name = "g2p.change.request.reject.wizard"
    _description = "Reject change requests with a reason"

    change_request_ids = fields.Many2many("g2p.change.request", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.change_request_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}

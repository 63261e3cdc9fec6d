from odoo import fields, models


class G2PDciTransaction(models.Model):
    """One DCI message received from a participant and how it was answered (DCI › Transactions)."""

    _name = "g2p.dci.transaction"
    _description = "DCI transaction"
    _order = "id desc"
    _rec_name = "message_id"

    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, ondelete="restrict", index=True)
    sender_id = fields.Char(readonly=True)
    message_id = fields.Char(required=True, readonly=True, index=True)
    transaction_id = fields.Char(readonly=True, index=True)
    correlation_id = fields.Char(readonly=True, index=True)
    action = fields.Char(readonly=True)
    status = fields.Selection([("succ", "Success"), ("rjct", "Rejected")], readonly=True)
    total_count = fields.Integer(readonly=True)
    completed_count = fields.Integer(readonly=True)
    item_ids = fields.One2many("g2p.dci.transaction.item", "transaction_id", readonly=True)

    _sql_constraints = [("message_unique", "unique(client_id, message_id)", "This message id was already used by this sender.")]


class G2PDciTransactionItem(models.Model):
    _name = "g2p.dci.transaction.item"
    _description = "DCI transaction item"
    _order = "transaction_id, id"
    _rec_name = "reference_id"

    transaction_id = fields.Many2one("g2p.dci.transaction", required=True, ondelete="cascade", index=True)
    client_id = fields.Many2one(related="transaction_id.client_id", store=True, index=True)
    reference_id = fields.Char(required=True, index=True)
    reg_type = fields.Char()
    status = fields.Selection([("succ", "Success"), ("rjct", "Rejected")])
    status_reason_code = fields.Char()
    total_count = fields.Integer()

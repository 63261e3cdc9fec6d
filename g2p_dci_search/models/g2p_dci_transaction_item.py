from odoo import api, fields, models
from odoo.tools import SQL

from ..services import dci_reasons
from .g2p_dci_transaction import FIRST_USE, FIRST_USE_INDEX, STATUS


class G2PDciTransactionItem(models.Model):
    _name = "g2p.dci.transaction.item"
    _description = "DCI transaction item"
    _order = "transaction_id, id"
    _rec_name = "reference_id"

    transaction_id = fields.Many2one("g2p.dci.transaction", required=True, ondelete="cascade", index=True)
    client_id = fields.Many2one(related="transaction_id.client_id", store=True, index=True)
    company_id = fields.Many2one(related="transaction_id.company_id", store=True, index=True)
    reference_id = fields.Char(required=True, index=True)
    reg_type = fields.Char()
    status = fields.Selection(STATUS)
    status_reason_code = fields.Char()
    status_reason_message = fields.Char(string="Technical reason")
    total_count = fields.Integer()
    reason = fields.Char(string="Why refused", compute="_compute_reason", help="The status reason, in words")

    def init(self):
        res = super().init()
        # a sender uses a reference id once: the database refuses a second first use, even by a call whose
        # snapshot could not see the first (g2p.dci.transaction._references_judged); the same index answers
        # the lookup of the reference ids used (``_used_references_query``)
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (client_id, reference_id) WHERE %s",
                SQL.identifier(FIRST_USE_INDEX),
                SQL.identifier(self._table),
                FIRST_USE,
            )
        )
        return res

    @api.depends("status", "status_reason_code")
    def _compute_reason(self):
        reasons = dci_reasons.item_reasons(self.env, self)
        for rec in self:
            rec.reason = reasons[rec][0] if rec in reasons else False

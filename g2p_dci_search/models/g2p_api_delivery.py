from odoo import fields, models


class G2PApiDelivery(models.Model):
    _inherit = "g2p.api.delivery"

    dci_transaction_id = fields.Many2one(
        "g2p.dci.transaction", string="DCI transaction", readonly=True, ondelete="set null", index="btree_not_null"
    )
    dci_subscription_id = fields.Many2one(
        "g2p.dci.subscription", string="DCI subscription", readonly=True, ondelete="set null", index="btree_not_null"
    )

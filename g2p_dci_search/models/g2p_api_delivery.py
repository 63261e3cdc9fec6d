from odoo import fields, models

from .g2p_dci_subscription import SUBSCRIBE_SCOPE


class G2PApiDelivery(models.Model):
    _inherit = "g2p.api.delivery"

    dci_transaction_id = fields.Many2one(
        "g2p.dci.transaction", string="DCI transaction", readonly=True, ondelete="set null", index="btree_not_null"
    )
    dci_subscription_id = fields.Many2one(
        "g2p.dci.subscription", string="DCI subscription", readonly=True, ondelete="set null", index="btree_not_null"
    )

    def _refusal(self):
        """A notification also needs the participant's subscription still in force and its dci:subscribe
        scope (its consent scope, dci:search, is the delivery's required scope)."""
        refusal = super()._refusal()
        if refusal or not self.dci_subscription_id:
            return refusal
        if self.dci_subscription_id.state != "subscribe":
            return "the participant ended the DCI subscription"
        if SUBSCRIBE_SCOPE not in self.client_id._scope_codes():
            return f"the client no longer has the scope {SUBSCRIBE_SCOPE}"
        return None

    def _built_by_rest_app(self):
        # a DCI notification or callback is built by the DCI search under its own endpoint's user
        return not (self.dci_subscription_id or self.dci_transaction_id) and super()._built_by_rest_app()

    def _disclosure_channel(self):
        if self.dci_subscription_id:
            return "dci_notify"
        if self.dci_transaction_id:
            return "dci_callback"
        return super()._disclosure_channel()

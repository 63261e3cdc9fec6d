from odoo import fields, models

from odoo.addons.g2p_partner_api.services import registry_service

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
        """A DCI callback or notification also needs every registrant it names readable under the DCI endpoint's
        record rules, as when it was built; a notification, the participant's subscription still in force and its
        dci:subscribe scope (its consent scope, dci:search, is the delivery's required scope)."""
        refusal = super()._refusal()
        if refusal or not (self.dci_subscription_id or self.dci_transaction_id):
            return refusal
        return self._dci_subscription_refusal() or self._dci_rules_refusal()

    def _dci_subscription_refusal(self):
        if not self.dci_subscription_id:
            return None
        if self.dci_subscription_id.state != "subscribe":
            return "the participant ended the DCI subscription"
        if SUBSCRIBE_SCOPE not in self.client_id._scope_codes():
            return f"the client no longer has the scope {SUBSCRIBE_SCOPE}"
        return None

    def _dci_rules_refusal(self):
        # read as the DCI search that built the payload reads (g2p.dci.transaction._reader_env: the endpoint that
        # received the transaction or subscription): a registrant its rules hide now (moved to another registry's
        # company) is not sent, whatever the payload says of it
        registrants = self.with_context(active_test=False).registrant_ids
        if not registrants:
            return None
        reader = (self.dci_transaction_id or self.dci_subscription_id.transaction_id)._reader_env()
        if reader is None:
            return "the DCI endpoint that received the request is not active in its company to read its registrants as"
        readable = registry_service.readable_relations(
            self.client_id, registrants.with_env(reader), self.required_scope
        )
        if len(readable) != len(registrants):
            return "the registry's rules no longer let the client read the registrants of this event"
        return None

    def _built_by_rest_app(self):
        # a DCI notification or callback is built by the DCI search under its own endpoint's user (_dci_rules_refusal)
        return not (self.dci_subscription_id or self.dci_transaction_id) and super()._built_by_rest_app()

    def _disclosure_channel(self):
        if self.dci_subscription_id:
            return "dci_notify"
        if self.dci_transaction_id:
            return "dci_callback"
        return super()._disclosure_channel()

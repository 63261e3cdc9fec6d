from odoo.tests import tagged

from .common import DciAsyncCase


@tagged("post_install", "-at_install")
class TestDciDisclosures(DciAsyncCase):
    """A DCI search, synchronous or answered by callback, and a notification write one disclosure per
    registrant they give the participant, under its legal basis; nothing for what was not found."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = cls._people(3, "Told", "Disclosedci", "5550")

    def _disclosures(self):
        return self.env["g2p.api.disclosure"].search([("partner_id", "in", self.people.ids)])

    def test_sync_search_records_each_registrant_answered(self):
        response = self.search(
            self.envelope(
                [
                    self.item(
                        "expression", {"family_name": "Disclosedci", "given_name": {"$in": ["Told00", "Told01"]}}
                    ),
                    self.item("idtype-value", {"type": "UIN", "value": "55500001"}),
                    self.item("idtype-value", {"type": "UIN", "value": "99999999"}),
                ]
            )
        )
        self.assertEqual(response.status_code, 200, response.text)
        disclosures = self._disclosures()
        self.assertEqual(disclosures.partner_id, self.people[:2], "one row per registrant, once per call")
        self.assertEqual(len(disclosures), 2)
        self.assertEqual(
            set(disclosures.mapped(lambda d: (d.channel, d.scope, d.client_id, d.legal_basis))),
            {("dci_search", "dci:search", self.client, self.client.legal_basis)},
        )
        self.assertEqual(disclosures.audit_log_id.action, "POST /registry/sync/search")

    def test_search_answered_by_callback_records_once_sent(self):
        self.ack("/registry/search", self.envelope([self.item("idtype-value", {"type": "UIN", "value": "55500002"})]))
        self.assertFalse(self._disclosures(), "an acknowledgement carries no data")
        (callback,) = self.callbacks()
        self.assertEqual(callback["header"]["action"], "on-search")
        disclosure = self._disclosures()
        self.assertEqual((disclosure.partner_id, disclosure.channel), (self.people[2], "dci_callback"))
        self.assertEqual(disclosure.delivery_id.dci_transaction_id.mode, "async")

    def test_notification_records_the_registrant_once_sent(self):
        result = self.subscribe("REGISTER", {"family_name": "Disclosedci"})
        self.assertFalse(self._disclosures(), "the subscription's answer carries no registrant")
        newborn = self.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Newborn", "family_name": "Disclosedci", "birthdate": "2024-01-01"}
        )
        (notify,) = self.callbacks()
        self.assertEqual(notify["message"]["notify_event"][0]["data"]["reg_records"]["name"]["given_name"], "Newborn")
        disclosure = self.env["g2p.api.disclosure"].search([("partner_id", "=", newborn.id)])
        self.assertEqual(
            (disclosure.channel, disclosure.scope, disclosure.client_id, disclosure.legal_basis),
            ("dci_notify", "dci:search", self.client, self.client.legal_basis),
        )
        self.assertEqual(disclosure.delivery_id.state, "sent")
        self.assertEqual(disclosure.delivery_id.dci_subscription_id.code, result["subscriptions"][0]["code"])

    def test_nothing_found_records_nothing(self):
        self.search(self.envelope([self.item("idtype-value", {"type": "UIN", "value": "99999998"})]))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("client_id", "=", self.client.id)]))

from odoo.tests import HttpCase, new_test_user, tagged

from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciTransactionReasons(DciCase):
    """A transaction says why its items were refused in words; the spec's codes stay technical details."""

    def test_refused_items_in_words(self):
        self._people(1, "Reason", "Words", "6720")
        items = [
            self.item("idtype-value", {"type": "UIN", "value": "67200000"}, reference_id="ok"),
            self.item(
                "idtype-value", {"type": "UIN", "value": "67200000"}, reference_id="big", pagination={"page_size": 0}
            ),
            self.item("idtype-value", {"type": "Passport-of-nowhere", "value": "1"}, reference_id="odd"),
        ]
        response = self.search(self.envelope(items))
        self.assertEqual(response.status_code, 200, response.text)
        transaction = self.env["g2p.dci.transaction"].search(
            [("message_id", "=", response.json()["header"]["message_id"])]
        )
        self.assertEqual(len(transaction), 1)
        by_reference = {item.reference_id: item for item in transaction.item_ids}
        self.assertFalse(by_reference["ok"].reason, "an answered item has no reason")
        self.assertIn("not one the registry serves", by_reference["big"].reason)
        self.assertIn("cannot answer the search as it was asked", by_reference["odd"].reason)
        self.assertTrue(by_reference["big"].status_reason_message, "the registry's own sentence is kept")
        report = transaction.error_report
        self.assertIn("big", report)
        self.assertIn("Ask the partner to correct the request and send it again.", report)
        self.assertNotIn("rjct.", report, "the spec's codes are technical details")
        self.assertEqual(transaction.refused_item_ids, by_reference["big"] | by_reference["odd"])


@tagged("post_install", "-at_install")
class TestDciTransactionScreen(HttpCase):
    def test_refused_items_read_in_words(self):
        client = self.env["g2p.api.client"].create({"name": "Screen MIS", "client_id": "screen-mis"})
        transaction = self.env["g2p.dci.transaction"].create(
            {
                "client_id": client.id,
                "sender_id": "screen.example.org",
                "message_id": "screen-message",
                "transaction_id": "screen-transaction",
                "action": "search",
                "status": "succ",
                "total_count": 2,
                "completed_count": 1,
            }
        )
        transaction._add_items(
            [
                {"reference_id": "screen-ok", "status": "succ", "total_count": 1},
                {
                    "reference_id": "screen-page",
                    "status": "rjct",
                    "status_reason_code": "rjct.pagination.invalid",
                    "status_reason_message": "page_size must be 1 to 100 and page_number at least 1",
                },
            ]
        )
        new_test_user(
            self.env,
            "dci_screen_manager",
            password="dci_screen_manager_pw",
            groups="base.group_user,g2p_partner_api.group_api_manager",
        )
        self.start_tour(
            f"/odoo/action-g2p_dci_search.action_dci_transactions/{transaction.id}",
            "g2p_dci_transaction_reasons",
            login="dci_screen_manager",
        )

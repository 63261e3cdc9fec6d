import json

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDciRecordNames(TransactionCase):
    """DCI transactions and subscriptions are named by what happened, not by message uuids."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["g2p.api.client"].create({"name": "Social protection MIS", "client_id": "spmis-names"})

    def test_transaction_name_and_formatted_request(self):
        envelope = {"header": {"action": "search", "sender_id": "spmis.example.org"}, "message": {"search_request": []}}
        txn = self.env["g2p.dci.transaction"].create(
            {
                "client_id": self.client.id,
                "sender_id": "spmis.example.org",
                "message_id": "4b0a3a0e-33a3-4c0e-a3c1-5a7c1c0f9e11",
                "action": "search",
                "request_envelope": json.dumps(envelope, separators=(",", ":")),
            }
        )
        self.assertRegex(txn.display_name, r"^Search from spmis\.example\.org, .*\d")
        self.assertNotIn(txn.message_id, txn.display_name)
        self.assertEqual(json.loads(txn.request_envelope_pretty), envelope)
        self.assertIn('\n  "header": {', txn.request_envelope_pretty)

    def test_subscription_name(self):
        subscription = self.env["g2p.dci.subscription"].create(
            {
                "client_id": self.client.id,
                "register_id": self.env.ref("g2p_dci_search.register_individual").id,
                "reg_event_type": "REGISTER",
                "event_code": "REGISTER",
                "filter_json": '{"expression":[]}',
            }
        )
        self.assertEqual(subscription.display_name, "New registrant in Individual for Social protection MIS")
        self.assertEqual(subscription.filter_pretty, '{\n  "expression": []\n}')
        self.assertEqual(self.env["g2p.dci.register.field"]._fields["orm_path"].string, "Field path", "not 'Orm Path'")

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDciClientCapabilities(TransactionCase):
    def test_the_client_form_says_whether_dci_envelopes_must_be_signed(self):
        client = self.env["g2p.api.client"].create({"name": "SP-MIS", "dci_sender_id": "spmis"})
        self.assertIn("no public key: every DCI call is refused", client.capabilities)
        client.dci_verify_signature = False
        self.assertIn("accepted unsigned", client.capabilities)

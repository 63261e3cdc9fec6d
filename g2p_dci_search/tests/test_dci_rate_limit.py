from odoo.tests import tagged

from .common import DciCase, public_pem


@tagged("post_install", "-at_install")
class TestDciRateLimit(DciCase):
    def test_over_the_limit_answered_429_as_an_err_acknowledgement(self):
        client, secret = self._create_client(
            "Limited MIS",
            scopes=["dci:search"],
            dci_sender_id="limited.mis",
            public_key=public_pem(self.key),
            rate_limit_per_minute=1,
        )
        query = {"type": "UIN", "value": "100007919"}
        first = self.search(
            self.envelope([self.item("idtype-value", query)], sender="limited.mis"), client=client, secret=secret
        )
        self.assertEqual(first.status_code, 200, first.text)
        transactions = self.env["g2p.dci.transaction"].search_count([])
        second = self.search(
            self.envelope([self.item("idtype-value", query)], sender="limited.mis"), client=client, secret=secret
        )
        self.assertEqual(second.status_code, 429, second.text)
        body = second.json()
        self.assertEqual(body["message"]["ack_status"], "ERR")
        self.assertEqual(body["message"]["error"]["code"], "err.request.too_many_requests")
        self.assertEqual(body["errors"][0]["code"], "err.request.too_many_requests")
        self.assertGreater(int(second.headers["Retry-After"]), 0)
        self.assertEqual(self.env["g2p.dci.transaction"].search_count([]), transactions)

from odoo.tests import tagged

from .common import IngestCase, public_pem


@tagged("post_install", "-at_install")
class TestIngestRateLimit(IngestCase):
    def test_over_the_limit_answered_429_in_the_ingest_envelope_and_nothing_stored(self):
        limited, _secret = self._create_client(
            "Limited collector",
            scopes=["ingest:write"],
            partner_mnemonic="LIMITED1",
            public_key=public_pem(self.key),
            rate_limit_per_minute=1,
        )
        first = self.post(self.body({"person": self.person(nid="91000001")}, sender="LIMITED1"))
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(first.json()["response_header"]["response_status"], "SUCCESS", first.text)
        rows_before = self.received_count()
        second = self.post(self.body({"person": self.person(nid="91000002")}, sender="LIMITED1"))
        self.assertEqual(second.status_code, 429, second.text)
        header = second.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "RATE_LIMITED"))
        self.assertGreater(int(second.headers["Retry-After"]), 0)
        self.assertEqual(second.headers["RateLimit-Limit"], "1")
        self.assertEqual(self.received_count(), rows_before)

    def test_a_claimed_sender_spends_nothing_of_the_partner_it_claims(self):
        """An unsigned call claiming a partner is refused before it counts against that partner."""
        self._create_client(
            "Claimed collector",
            scopes=["ingest:write"],
            partner_mnemonic="LIMITED2",
            public_key=public_pem(self.key),
            rate_limit_per_minute=1,
        )
        forged = self.post(self.body({"person": self.person(nid="91000003")}, sender="LIMITED2", sign=False))
        self.assertEqual(forged.json()["response_header"]["response_status"], "ERROR", forged.text)
        honest = self.post(self.body({"person": self.person(nid="91000004")}, sender="LIMITED2"))
        self.assertEqual(honest.status_code, 200, honest.text)
        self.assertEqual(honest.json()["response_header"]["response_status"], "SUCCESS", honest.text)

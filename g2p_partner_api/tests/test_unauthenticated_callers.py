"""Anonymous callers cannot wear the token endpoint down, tell known client ids from unknown ones,
or fill the audit log (issue #25)."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged

from ..models.g2p_api_client import SECRET_CRYPT_CONTEXT
from .common import G2PApiCase

ATTACKER = "203.0.113.7"
PARTNER_HOST = "198.51.100.20"


@tagged("post_install", "-at_install")
class TestTokenThrottle(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Payment provider", scopes=["individual:read"])

    @contextmanager
    def _counting_crypto(self):
        """Counts what the token endpoint asks of the password hasher (verifications and fresh hashes)."""
        with (
            patch.object(SECRET_CRYPT_CONTEXT, "verify", wraps=SECRET_CRYPT_CONTEXT.verify) as verify,
            patch.object(SECRET_CRYPT_CONTEXT, "hash", wraps=SECRET_CRYPT_CONTEXT.hash) as hashing,
        ):
            yield verify, hashing

    def _token_call(self, api, client_id, secret):
        return api.post(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )

    def _client_state(self):
        self.client.invalidate_recordset()
        return self.client.sudo().read(["secret_hash", "active", "secret_rotated_on"])

    def test_guessing_one_id_from_one_source_is_throttled_before_hashing(self):
        before = self._client_state()
        with self._counting_crypto() as (verify, hashing), self._api(source_address=self._address(ATTACKER)) as api:
            answers = [self._token_call(api, self.client.client_id, f"guess-{n}") for n in range(30)]
        statuses = [answer.status_code for answer in answers]
        self.assertEqual(statuses, [401] * 10 + [429] * 20, "10 failures a minute per client id and source")
        self.assertEqual(verify.call_count, 10, "a throttled call hashes nothing")
        self.assertEqual(hashing.call_count, 0)
        throttled = answers[-1]
        self.assertEqual(throttled.json()["error"], "temporarily_unavailable")
        self.assertIn("error_description", throttled.json())
        self.assertTrue(1 <= int(throttled.headers["Retry-After"]) <= 60)
        self.assertEqual(throttled.headers["cache-control"], "no-store")
        self.assertEqual(self._client_state(), before, "the guesses changed nothing")
        with self._api(source_address=self._address(ATTACKER)) as api:
            self.assertEqual(
                self._token_call(api, self.client.client_id, self.secret).status_code,
                429,
                "the source is refused before its secret is checked, even the right one",
            )
        # the real partner, calling from its own address, is not locked out by the attacker
        with self._api(source_address=self._address(PARTNER_HOST)) as api:
            answer = self._token_call(api, self.client.client_id, self.secret)
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertTrue(answer.json()["access_token"])

    def test_guessing_many_ids_from_one_source_is_throttled(self):
        with self._counting_crypto() as (verify, _hashing), self._api(source_address=self._address(ATTACKER)) as api:
            for n in range(3):
                statuses = {self._token_call(api, f"g2p-guess-{n}", "x").status_code for _i in range(10)}
                self.assertEqual(statuses, {401})
            answer = self._token_call(api, "g2p-guess-new", "x")
        self.assertEqual((answer.status_code, answer.json()["error"]), (429, "temporarily_unavailable"))
        self.assertEqual(verify.call_count, 30, "30 failures a minute per source, whatever the ids")
        with self._api(source_address=self._address(PARTNER_HOST)) as api:
            self.assertEqual(self._token_call(api, self.client.client_id, self.secret).status_code, 200)

    def test_limits_are_system_parameters(self):
        params = self.env["ir.config_parameter"]
        params.set_param("g2p_partner_api.auth_failures_per_client_and_source", "2")
        with self._api(source_address=self._address(ATTACKER)) as api:
            statuses = [self._token_call(api, self.client.client_id, "wrong").status_code for _i in range(3)]
        self.assertEqual(statuses, [401, 401, 429])
        params.set_param("g2p_partner_api.auth_failures_per_source", "3")
        with self._api(source_address=self._address(PARTNER_HOST)) as api:
            statuses = [self._token_call(api, f"g2p-id-{n}", "wrong").status_code for n in range(4)]
        self.assertEqual(statuses, [401, 401, 401, 429])

    def test_unknown_and_known_ids_do_the_same_work(self):
        """One query plan and one verification whatever the id: the answer time cannot tell them apart."""
        cr = self.env.cr

        def work(client_id, source):
            with self._counting_crypto() as (verify, hashing), self._api(source_address=source) as api:
                queries = cr.sql_log_count
                answer = self._token_call(api, client_id, "wrong-secret")
                queries = cr.sql_log_count - queries
                return answer.status_code, answer.json(), queries, verify.call_count, hashing.call_count

        # first calls fill the caches (parameters, routes) for both
        work(self.client.client_id, self._address("192.0.2.1"))
        work("g2p-unknown-0000", self._address("192.0.2.2"))
        known = work(self.client.client_id, self._address("192.0.2.3"))
        unknown = work("g2p-unknown-0000", self._address("192.0.2.4"))
        refusal = {"error": "invalid_client", "error_description": "Client authentication failed."}
        self.assertEqual(known[:2], (401, refusal))
        self.assertEqual(known, unknown)
        self.assertEqual(known[3:], (1, 0), "one verification against a hash made once, never a fresh hash")


@tagged("post_install", "-at_install")
class TestAnonymousAuditAggregation(G2PApiCase):
    def test_refused_anonymous_calls_share_a_counted_row(self):
        client, secret = self._create_client("Census tool", scopes=["individual:read"])
        with self._api(source_address=self._address(ATTACKER)) as api:
            statuses = {
                api.get("/api/v2/Program", headers={"Authorization": f"Bearer forged-{n}"}).status_code
                for n in range(100)
            }
        self.assertEqual(statuses, {401})
        rows = self._audit_rows(source_address=self._address(ATTACKER))
        # one row per minute: two when the calls straddle a minute
        self.assertLessEqual(len(rows), 2, rows.mapped("call_count"))
        self.assertEqual(sum(rows.mapped("call_count")), 100)
        self.assertEqual(set(rows.mapped("status_code")), {401})
        self.assertEqual(set(rows.mapped("outcome")), {"failure"})
        self.assertEqual(rows[0]._to_cloudevent()["data"]["call_count"], rows[0].call_count)
        # another source and another reason are counted apart
        with self._api(source_address=self._address(PARTNER_HOST)) as api:
            api.get("/api/v2/Program", headers={"Authorization": "Bearer forged"})
            api.post("/api/v2/oauth/token", data={"grant_type": "client_credentials", "client_id": "x"})
        other = self._audit_rows(source_address=self._address(PARTNER_HOST))
        self.assertEqual(sorted(other.mapped("status_code")), [401, 401])
        self.assertEqual(set(other.mapped("call_count")), {1})
        self.assertEqual(len(set(other.mapped("aggregation_key"))), 2)
        # authenticated calls keep one row each
        headers = self._auth(client, secret)
        with self._api(source_address=self._address(ATTACKER)) as api:
            for _i in range(3):
                api.get("/api/v2/Program", headers=headers)
        own = self._audit_rows(client_id=client.id)
        self.assertEqual(len(own.filtered(lambda row: row.resource == "/api/v2/Program")), 3)
        self.assertEqual(set(own.mapped("call_count")), {1})
        self.assertFalse(any(own.mapped("aggregation_key")))

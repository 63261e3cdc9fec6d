import uuid

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.plans import explain, nodes, ran_queries, table_copy

from ..schemas.dci import TxnStatusEnvelope
from ..services.dci_txn_status import txn_status
from .common import DciCase

FAMILIES = 20
YEARS = 85


@tagged("post_install", "-at_install")
class TestDciExpressionPlan(DciCase):
    """A family name with a birth-date range, the commonest expression search, counts and pages its
    matches from one range of the (family_name, birthdate) index.

    Without it PostgreSQL marks in a bitmap every registrant of that name (trigram index) and every
    registrant born in those years (birth-date index) and intersects them: at 10,000,000 registrants
    about 0.5 and 0.7 million entries for each count (#27). The plan is asserted on a copy of
    res_partner with 20,000 generated registrants (20 family names over 85 years), as the bench has.
    """

    ROWS = 20000

    def _queries_of_search(self):
        """The statements of one signed expression search through the mounted app that search registrants."""
        # one match: a search that counts none reads no page
        self.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Planned", "family_name": "Family7", "birthdate": "1972-03-01"}
        )
        item = self.item(
            "expression",
            {"family_name": "Family7", "birth_date": {"$gte": "1970-01-01", "$lte": "1975-12-31"}},
            pagination={"page_size": 10},
        )
        headers = self._auth(self.client, self.secret)
        with self._api() as api, ran_queries(self.env.cr) as ran:
            response = api.post("/dci/registry/sync/search", json=self.envelope([item]), headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["message"]["search_response"][0]["status"], "succ", response.text)
        return [q for q in ran if 'FROM "res_partner"' in q.code and '"family_name"' in q.code]

    def _explain_with_generated_registrants(self, query):
        cr = self.env.cr
        with table_copy(cr):
            cr.execute(
                """INSERT INTO pg_temp.res_partner (id, uuid, name, complete_name, given_name, family_name, birthdate,
                          is_registrant, is_group, active, type, is_company)
                   SELECT 2000000 + n, gen_random_uuid()::text, 'Generated ' || n, 'Generated ' || n,
                          'Generated', 'Family' || mod(n, %s), DATE '1940-01-01' + mod(n * 7919, %s * 365),
                          true, false, true, 'contact', false
                     FROM generate_series(1, %s) AS n""",
                (FAMILIES, YEARS, self.ROWS),
            )
            cr.execute("ANALYZE pg_temp.res_partner")
            return explain(cr, query)

    def test_name_and_birth_range_is_one_index_range(self):
        queries = self._queries_of_search()
        self.assertEqual(len(queries), 1, "the page, its count a subquery of it")
        for query in queries:
            with self.subTest(query=query.code[:40]):
                plan, definitions = self._explain_with_generated_registrants(query)
                partner_scans = [n for n in nodes(plan) if n.get("Relation Name") == "res_partner"]
                self.assertNotIn("Seq Scan", [n["Node Type"] for n in partner_scans])
                self.assertNotIn("BitmapAnd", [n["Node Type"] for n in nodes(plan)])
                if "COUNT" in query.code:
                    self.assertIn(
                        "(family_name, birthdate) WHERE is_registrant",
                        " ".join(definitions.values()),
                        f"the count reads the name and birth-date index: {definitions}",
                    )

    def test_the_index_exists(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'res_partner_g2p_registrant_family_name_birthdate_idx'"
        )
        self.assertIn("(family_name, birthdate) WHERE is_registrant", self.env.cr.fetchone()[0])


@tagged("post_install", "-at_install")
class TestDciTxnStatusPlan(DciCase):
    """A txn-status looks the sender's transactions of the endpoint's company up by an index, whatever it names
    them by (transaction id, reference ids, correlation id): asserted on copies of the transactions and their
    items with 50,000 generated transactions of 50 senders in two companies, two items each."""

    def _lookup_queries(self, attribute_type, value):
        """The statements of a txn-status (as the DCI endpoint's call runs it) that read transactions or items."""
        message = {
            "transaction_id": "plan-status",
            "txnstatus_request": {
                "reference_id": str(uuid.uuid4()),
                "txn_type": "search",
                "attribute_type": attribute_type,
                "attribute_value": value,
            },
        }
        body = TxnStatusEnvelope.model_validate(self.signed_envelope("txn-status", message, 1))
        with ran_queries(self.env.cr) as ran:
            status, _message = txn_status(self._api_env(), self.client, body, "plan-correlation")
        self.assertEqual(status, "succ")
        return [query for query in ran if '"g2p_dci_transaction' in query.code]

    def _plans_with_generated_transactions(self, queries):
        """The plan of each of ``queries`` on the copies."""
        cr = self.env.cr
        with table_copy(cr, "g2p_dci_transaction"), table_copy(cr, "g2p_dci_transaction_item"):
            cr.execute(
                """INSERT INTO pg_temp.g2p_dci_transaction
                          (id, client_id, company_id, message_id, transaction_id, correlation_id, action, status)
                   SELECT 3000000 + n, 1 + mod(n, 50), 1 + mod(n, 2), 'plan-m-' || n, 'plan-t-' || n,
                          'plan-c-' || n, 'search', 'succ'
                     FROM generate_series(1, 50000) AS n"""
            )
            cr.execute(
                """INSERT INTO pg_temp.g2p_dci_transaction_item
                          (id, transaction_id, client_id, company_id, reference_id, status)
                   SELECT 3000000 + n, txn.id, txn.client_id, txn.company_id, 'plan-r-' || n, 'succ'
                     FROM generate_series(1, 100000) AS n
                     JOIN pg_temp.g2p_dci_transaction txn ON txn.id = 3000000 + (n + 1) / 2"""
            )
            cr.execute("ANALYZE pg_temp.g2p_dci_transaction")
            cr.execute("ANALYZE pg_temp.g2p_dci_transaction_item")
            return [(query, explain(cr, query)[0]) for query in queries]

    def test_each_lookup_is_an_index_scan(self):
        search = self.envelope([self.item("expression", {"family_name": "Planstatus"}, reference_id="plan-ref-1")])
        self.assertEqual(self.search(search).status_code, 200)
        transaction = self.env["g2p.dci.transaction"].search(
            [("transaction_id", "=", search["message"]["transaction_id"])]
        )
        queries = []
        for attribute_type, value in (
            ("transaction_id", transaction.transaction_id),
            ("reference_id_list", ["plan-ref-1"]),
            ("correlation_id", transaction.correlation_id),
        ):
            lookups = self._lookup_queries(attribute_type, value)
            self.assertTrue(lookups, attribute_type)
            queries += lookups
        for query, plan in self._plans_with_generated_transactions(queries):
            with self.subTest(query=query.code):
                scans = [n["Node Type"] for n in nodes(plan) if n.get("Relation Name", "").startswith("g2p_dci")]
                self.assertTrue(scans)
                self.assertNotIn("Seq Scan", scans)

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.plans import explain, nodes, ran_queries, table_copy

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

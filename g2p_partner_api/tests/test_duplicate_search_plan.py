"""The duplicate search of a proposed individual reads one GiST index of (birth date, name) (#27).

With the birth-date index alone PostgreSQL reads every registrant born that day from the table to compare
names: 38 at 1,000,000 registrants and about 350 at 10,000,000 in the bench's data, each a page that is
rarely in memory. In the GiST index of (birthdate, match_name) the registrants whose name is not similar
are ruled out in the index, and only candidates are read. The plans are asserted on a copy of
res_partner (``plans.table_copy``, analysed, with the planner's default settings) holding 24,000
generated individuals, 120 per birth date (each of 120 names once), as a register of about 3,500,000 holds them.
"""

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.res_partner import DUPLICATE_SEARCH_INDEX
from ..services import duplicate_finder
from .common import G2PApiCase
from .plans import explain, nodes, ran_queries, table_copy

GIVEN = ["Amina", "Fatima", "Grace", "Mary", "Esther", "Ruth", "John", "Peter", "Joseph", "Samuel", "David", "Musa"]
FAMILY = ["Banda", "Phiri", "Mwale", "Okafor", "Mensah", "Diallo", "Kamau", "Otieno", "Nkosi", "Abubakar"]
PER_DAY = len(GIVEN) * len(FAMILY)
ROWS = 200 * PER_DAY


@tagged("post_install", "-at_install")
class TestDuplicateSearchPlan(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Duplicate checker", scopes=["individual:read", "individual:write"], rate_limit_per_minute=-1
        )
        cls.amina = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Amina", "family_name": "Okonkwo", "birthdate": "1980-01-05"}
        )

    def _name_searches_of_check(self, birthdate):
        """The name search statements of one ``check_duplicates`` create through the mounted REST app."""
        body = {"given_name": "Aminah", "family_name": "Okonkwo", "birthdate": birthdate}
        headers = self._auth(self.client, self.secret)
        with self._api(self.rest_endpoint) as api, ran_queries(self.env.cr) as ran:
            response = api.post("/api/v2/Individual", headers=headers, json=body, params={"check_duplicates": "true"})
        self.assertEqual(response.status_code, 409, response.text)
        self.assertEqual(response.json()["candidates"], [self.amina.uuid])
        return [query for query in ran if "similarity(" in query.code]

    def _generate_individuals(self):
        """ROWS individuals in the copy from 1980-01-01 on, each day every name once (every name is common)."""
        cr = self.env.cr
        cr.execute(
            """INSERT INTO pg_temp.res_partner (id, uuid, name, complete_name, given_name, family_name, match_name,
                      birthdate, is_registrant, is_group, active, type, is_company)
               SELECT 3000000 + n, gen_random_uuid()::text, g.given || ' ' || g.family, g.given || ' ' || g.family,
                      g.given, g.family, lower(g.given || ' ' || g.family), DATE '1980-01-01' + n / %s,
                      true, false, true, 'contact', false
                 FROM generate_series(0, %s - 1) AS n,
                      LATERAL (SELECT (%s::text[])[1 + mod(n, %s)] AS given,
                                      (%s::text[])[1 + mod(n / %s, %s)] AS family) AS g""",
            (PER_DAY, ROWS, GIVEN, len(GIVEN), FAMILY, len(GIVEN), len(FAMILY)),
        )
        cr.execute("ANALYZE pg_temp.res_partner")

    def _index_of_copy(self):
        """The copy's GiST index of (birthdate, match_name): its name and definition."""
        self.env.cr.execute(
            """SELECT index.relname, pg_get_indexdef(indexrelid) FROM pg_index
                 JOIN pg_class index ON index.oid = indexrelid
                WHERE indrelid = 'pg_temp.res_partner'::regclass AND pg_get_indexdef(indexrelid) LIKE %s""",
            ["%USING gist (birthdate, %match_name%gist_trgm_ops)%"],
        )
        return self.env.cr.fetchone()

    def test_the_index_exists(self):
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [DUPLICATE_SEARCH_INDEX])
        definition = self.env.cr.fetchone()[0]
        self.assertRegex(definition, r"USING gist \(birthdate, .*match_name.* gist_trgm_ops\)")
        self.assertIn("WHERE (is_registrant AND (is_group IS NOT TRUE) AND active)", definition)

    def test_a_proposal_born_on_a_day_reads_the_birthdate_and_name_index(self):
        [query] = self._name_searches_of_check("1980-01-05")
        with table_copy(self.env.cr):
            self._generate_individuals()
            plan, definitions = explain(self.env.cr, query)
        partner_scans = [node for node in nodes(plan) if node.get("Relation Name") == "res_partner"]
        self.assertNotIn("Seq Scan", [node["Node Type"] for node in nodes(plan)])
        self.assertEqual(len(partner_scans), 1, plan)
        read = definitions.get(partner_scans[0].get("Index Name"), "")
        self.assertIn("USING gist (birthdate,", read, f"the name condition is answered in the GiST index: {plan}")
        self.assertIn("%", partner_scans[0]["Index Cond"], "the name is compared in the index, not after")

    def test_a_proposal_born_in_a_year_reads_no_table_whole(self):
        # a birth year alone comes from ingested items (the REST create takes a full date)
        proposal = {"given_name": "Aminah", "family_name": "Okonkwo", "birthdate": "1980"}
        [query] = duplicate_finder.names_queries(self.env, [proposal], duplicate_finder.Settings())
        with table_copy(self.env.cr):
            self._generate_individuals()
            plan, definitions = explain(self.env.cr, query)
        self.assertNotIn("Seq Scan", [node["Node Type"] for node in nodes(plan)])
        self.assertTrue(definitions, plan)

    def test_candidates_and_reasons_are_those_found_without_the_index(self):
        """The index changes how the registrants are found, not which: the same candidates, scores and
        reasons with the GiST index as with the birth-date and trigram indexes alone."""
        env = self.env
        duplicate_finder.prepare(env, duplicate_finder.Settings())
        people = [
            {"given_name": "Aminah", "family_name": "Okonkwo", "birthdate": "1980-01-05"},
            {"given_name": "Aminah", "family_name": "Okonkwo", "birthdate": "1981"},
            {"given_name": "Gracie", "family_name": "Phiri", "birthdate": "1980-03-02"},
            {"given_name": "Samuel", "family_name": "Mensa", "birthdate": "1980-05-20"},
            {"given_name": "Petr", "family_name": "Kamau", "birthdate": "1979"},
            {"given_name": "Nobody", "family_name": "Known", "birthdate": "1980-01-05"},
        ]

        def answers():
            found = duplicate_finder.find_many(env, people)
            return [[(c.partner_id, c.score, c.reasons, c.same_identifier) for c in candidates] for candidates in found]

        with table_copy(env.cr):
            self._generate_individuals()
            index_name, _definition = self._index_of_copy()
            with_index = answers()
            env.cr.execute(SQL("DROP INDEX %s", SQL.identifier("pg_temp", index_name)))
            without_index = answers()
        self.assertEqual(with_index, without_index)
        self.assertEqual([bool(candidates) for candidates in with_index], [True] * 5 + [False], with_index)
        self.assertIn(self.amina.id, [candidate[0] for candidate in with_index[0]])
        self.assertTrue(all(c[1] < 1 for candidates in with_index for c in candidates), "misspelt names only")

from unittest.mock import patch

from odoo.tests import tagged

from ..models.g2p_source_mixin import Provenance
from ..services import registry_service
from .common import G2PApiCase
from .query_log import logged_queries, queries_of

# Whole requests through the mounted app: token and client settings (from the worker's cache), consent rule,
# search, relational data, rendering, savepoint (not released: the commit ends it), audit row and disclosure rows
# (one statement). The bound is the full suite installed (consent adds its rule); fewer modules need fewer queries.
# A read by uuid: the savepoint, the search, the relations (identifiers, memberships, their kinds, the groups: one
# statement, ``orm_prefetch.prefetch_lines_at_once``), the audit row; a page one more: its total.
MAX_QUERIES_READ = 4
MAX_QUERIES_PAGE = 5
# GET /Individual?identifier=system|value, the partner systems' usual read (bench row 2), every statement of every
# cursor: the rate-limit count (the process's autocommit cursor) included. The savepoint, the rate-limit count,
# the search, the relations (one statement), and the audit row with its disclosure rows (one statement). The
# savepoint is not released (the commit ends it); the multi-company rule's company path comes from the worker's
# snapshot (no res_company query: TestCompanyRuleSnapshot).
MAX_QUERIES_BY_IDENTIFIER = 5


@tagged("post_install", "-at_install")
class TestRestQueryCount(G2PApiCase):
    """A REST read costs a fixed number of queries, whatever the page size or the record holds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Query counter", scopes=["individual:read", "group:read"])
        ref = cls.env.ref
        nid, passport = ref("g2p_partner_api.id_type_national_id"), ref("g2p_partner_api.id_type_passport")
        genders = [ref("g2p_partner_api.vocab_gender_female"), ref("g2p_partner_api.vocab_gender_male")]
        kinds = [ref("g2p_partner_api.vocab_membership_kind_head"), ref("g2p_partner_api.vocab_membership_kind_child")]
        Partner = cls.env["res.partner"].with_context(g2p_provenance=Provenance(cls.client.id, "census"))
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": "Qcount",
                    "family_name": f"Person{i:02d}",
                    "birthdate": "1990-01-01",
                    "gender_id": genders[i % 2].id,
                    "city": "Zomba",
                    "country_id": ref("base.mw").id,
                    "reg_id_ids": [
                        (0, 0, {"id_type_id": nid.id, "value": f"9900{i:05d}"}),
                        (0, 0, {"id_type_id": passport.id, "value": f"QP{i:05d}"}),
                    ],
                }
                for i in range(50)
            ]
        )
        cls.groups = Partner.create(
            [
                {
                    "is_registrant": True,
                    "is_group": True,
                    "is_company": True,
                    "name": f"Qcount household {g}",
                    "group_member_ids": [
                        (0, 0, {"individual_id": cls.people[2 * g + k].id, "kind_ids": [(6, 0, [kinds[k].id])]})
                        for k in range(2)
                    ],
                }
                for g in range(25)
            ]
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _queries(self, api, url, **params):
        """(response, number of queries) of one call, nothing in the ORM cache beforehand."""
        response, count = queries_of(self.env, lambda: api.get(url, params=params, headers=self.headers))
        self.assertEqual(response.status_code, 200, response.text)
        return response, count

    def test_read_and_pages_cost_fixed_queries(self):
        with self._api() as api:
            self._queries(api, f"/api/v2/Individual/{self.people[0].uuid}")  # warm-up: caches filled once
            read, read_count = self._queries(api, f"/api/v2/Individual/{self.people[0].uuid}")
            self._queries(api, "/api/v2/Individual", name="Qcount", _count=1)  # warm-up of the search (paging key)
            one, one_count = self._queries(api, "/api/v2/Individual", name="Qcount", _count=1)
            # neither is the last page: each counts its total (a last page needs no count query)
            page, page_count = self._queries(api, "/api/v2/Individual", name="Qcount", _count=49)
        body = page.json()
        self.assertEqual((body["total"], len(body["items"])), (50, 49))
        self.assertEqual(len(body["items"][0]["identifiers"]), 2)
        self.assertEqual(body["items"][0]["groups"][0]["kinds"][0]["code"], "head")
        self.assertEqual(body["items"][0]["provenance"]["created_from"], "census")
        self.assertEqual(read.json(), body["items"][0])
        self.assertEqual(one.json()["items"], body["items"][:1])
        self.assertLessEqual(read_count, MAX_QUERIES_READ)
        self.assertLessEqual(page_count, MAX_QUERIES_PAGE)
        self.assertEqual(page_count, one_count, "a page of 49 costs what a page of 1 does")

    def test_search_by_identifier_costs_fixed_queries(self):
        url, identifier = "/api/v2/Individual", "urn:g2p:id:national-id|990000007"
        with self._api() as api:
            for _warm_up in range(2):  # caches filled (a token's first call may clear them once)
                api.get(url, params={"identifier": identifier}, headers=self.headers)
            with logged_queries(self.env) as queries:
                response = api.get(url, params={"identifier": identifier}, headers=self.headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([item["uuid"] for item in response.json()["items"]], [self.people[7].uuid])
        self.assertLessEqual(len(queries), MAX_QUERIES_BY_IDENTIFIER, f"queries of the call:\n{queries}")

    def test_reference_data_changes_show_at_the_next_call(self):
        """Codes and id types render from each worker's snapshot: a change shows at once (countries
        too: Odoo clears the caches itself when a country's code changes)."""
        url = f"/api/v2/Individual/{self.people[0].uuid}"
        with self._api() as api:
            before = api.get(url, headers=self.headers).json()  # the snapshots are filled
            self.env.ref("g2p_partner_api.vocab_gender_female").display = "Woman"
            self.env.ref("g2p_partner_api.vocab_membership_kind_head").code = "head-of-household"
            self.env.ref("g2p_partner_api.id_type_national_id").namespace_uri = "urn:test:national-id"
            after = api.get(url, headers=self.headers).json()
        self.assertEqual((before["gender"]["display"], after["gender"]["display"]), ("Female", "Woman"))
        self.assertEqual(after["groups"][0]["kinds"][0]["code"], "head-of-household")
        self.assertIn({"system": "urn:test:national-id", "value": "990000000"}, after["identifiers"])

    def test_group_page_costs_fixed_queries(self):
        with self._api() as api:
            self._queries(api, "/api/v2/Group", name="Qcount", _count=1)
            one, one_count = self._queries(api, "/api/v2/Group", name="Qcount", _count=1)
            # neither is the last page: each counts its total (a last page needs no count query)
            page, page_count = self._queries(api, "/api/v2/Group", name="Qcount", _count=24)
        self.assertEqual(len(page.json()["items"]), 24)
        self.assertEqual(len(page.json()["items"][0]["members"]), 2)
        self.assertEqual(page_count, one_count, "a page of 24 groups costs what a page of 1 does")

    def test_apps_take_no_dependency_overrides(self):
        """With any override FastAPI analyses every dependency again on each call."""
        apps = self.env["fastapi.endpoint"].search([("app", "in", list(self.env["fastapi.endpoint"]._g2p_apps()))])
        self.assertTrue(apps)
        for endpoint in apps:
            self.assertEqual(endpoint._get_app().dependency_overrides, {}, endpoint.app)

    def test_calls_run_in_the_endpoint_company(self):
        """What the company override did before: each call works in the endpoint's company."""
        seen = []
        original = registry_service.get_registrant

        def spy(env, *args, **kwargs):
            seen.append(env.context.get("allowed_company_ids"))
            return original(env, *args, **kwargs)

        with patch.object(registry_service, "get_registrant", spy), self._api() as api:
            response = api.get(f"/api/v2/Individual/{self.people[0].uuid}", headers=self.headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(seen, [[self.rest_endpoint.company_id.id]])

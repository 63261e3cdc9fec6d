from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.query_log import logged_queries

from .common import DciCase

# Whole signed calls through the mounted app: token, client, envelope checks, searches with the
# consent rule, rendering, the transaction and its items, audit row, disclosure rows (one INSERT).
# The full suite installed. The register's row is no longer read: its columns come from the worker's
# cache (``g2p.dci.register._from_worker_cache``; 14 and 13 before). Nor is the endpoint company's row for
# the multi-company rule's ``parent_of`` (``g2p.reference.data._put_company_paths``; the page 13 before). Nor a
# check of the message id before the transaction's INSERT, which refuses a used one itself, nor a count apart
# from the page (``dci_search.counted_page``; 12 before). The batch's registrants and their identifier lines
# come with its lookup statement (``dci_search.registrants_by_identifier``; 12 before: the message id check, a
# fetch by id and one of the lines). Nor a search of the items' reference ids before the INSERT, whose statement finds
# those already used itself (``_record(references=...)``; the page 7 and the batch 9 before).
MAX_QUERIES_PAGE_OF_10 = 6
MAX_QUERIES_BATCH = 8


@tagged("post_install", "-at_install")
class TestDciQueryCount(DciCase):
    """A DCI search costs a fixed number of queries: neither the page nor the batch size adds any."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = cls._people(100, "Counted", "Querycount", "5520", birthdate=lambda i: f"19{50 + i % 40}-03-01")
        cls.household = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "is_group": True,
                "is_company": True,
                "name": "Querycount household",
                "group_member_ids": [(0, 0, {"individual_id": person.id}) for person in cls.people[:4]],
            }
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _lookups(self, values):
        """idtype-value items, half of them (odd positions) registered."""
        return [
            self.item("idtype-value", {"type": "UIN", "value": f"5520{i:04d}" if i % 2 else f"8820{i:04d}"})
            for i in values
        ]

    def _page_query(self):
        return self.item(
            "expression",
            {"family_name": "Querycount", "birth_date": {"$gte": "1950-01-01"}},
            pagination={"page_size": 10, "page_number": 2},
            sort=[{"attribute_name": "given_name", "sort_order": "asc"}],
        )

    def _post(self, api, items):
        """(search_response, statements run) of one signed sync search."""
        envelope = self.envelope(items)
        with logged_queries(self.env) as queries:
            response = api.post("/dci/registry/sync/search", json=envelope, headers=self.headers)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["message"]["search_response"], queries

    def test_page_of_10_costs_fixed_queries(self):
        with self._api() as api:
            for _warm_up in range(2):  # caches filled (a token's first call may clear them once)
                self._post(api, [self._page_query()])
            answers, queries = self._post(api, [self._page_query()])
        self.assertEqual(answers[0]["pagination"]["total_count"], 100)
        names = [record["name"]["given_name"] for record in answers[0]["data"]["reg_records"]]
        self.assertEqual(names, [f"Counted{i:03d}" for i in range(10, 20)])
        self.assertLessEqual(len(queries), MAX_QUERIES_PAGE_OF_10, f"queries of the call:\n{queries}")

    def test_batch_of_100_costs_the_queries_of_one(self):
        with self._api() as api:
            for _warm_up in range(2):
                self._post(api, self._lookups([1]))
            _one, one = self._post(api, self._lookups([1]))
            answers, hundred = self._post(api, self._lookups(range(100)))
        self.assertEqual([a["pagination"]["total_count"] for a in answers], [i % 2 for i in range(100)])
        self.assertEqual(answers[7]["data"]["reg_records"][0]["name"]["given_name"], "Counted007")
        transaction = self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)], limit=1)
        self.assertEqual(len(transaction.item_ids), 100)
        self.assertEqual(
            transaction.item_ids.mapped("total_count"), [i % 2 for i in range(100)], "every item recorded in order"
        )
        self.assertEqual(len(hundred), len(one), f"100 lookups cost the queries of 1; the 100:\n{hundred}")
        self.assertLessEqual(len(hundred), MAX_QUERIES_BATCH, f"queries of the call:\n{hundred}")

    def test_register_changes_show_at_the_next_call(self):
        """Registers, their fields and id type maps are cached per worker: a change shows at once."""
        register = self.env.ref("g2p_dci_search.register_individual")
        by_phone = self.item("expression", {"phone": "+265 1"})
        by_tin = self.item("idtype-value", {"type": "TIN", "value": "55200007"})
        with self._api() as api:
            before, _queries = self._post(api, [by_phone, by_tin])
            self.people[3].phone = "+265 1"
            self.env["g2p.dci.register.field"].create(
                {"register_id": register.id, "name": "phone", "orm_path": "phone"}
            )
            self.env["g2p.dci.id.type.map"].create(
                {
                    "register_id": register.id,
                    "dci_id_type": "TIN",
                    "id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id,
                }
            )
            by_phone, by_tin = (dict(item, reference_id=f"again-{item['reference_id']}") for item in (by_phone, by_tin))
            after, _queries = self._post(api, [by_phone, by_tin])
        self.assertEqual([answer["status"] for answer in before], ["rjct", "rjct"])
        self.assertEqual([answer["status"] for answer in after], ["succ", "succ"])
        self.assertEqual(after[0]["data"]["reg_records"][0]["name"]["given_name"], "Counted003")
        self.assertEqual(after[1]["data"]["reg_records"][0]["name"]["given_name"], "Counted007")

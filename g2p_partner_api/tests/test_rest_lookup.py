from odoo.tests import tagged

from .common import G2PApiCase
from .query_log import queries_of

NID = "urn:g2p:id:national-id"
PASSPORT = "urn:g2p:id:passport"
HOUSEHOLD = "urn:g2p:id:household"


@tagged("post_install", "-at_install")
class TestRestLookup(G2PApiCase):
    """``POST /Individual/$lookup`` and ``/Group/$lookup``: many identifiers, one answer each, in order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Payments", scopes=["individual:read", "group:read"])
        ref = cls.env.ref
        nid = ref("g2p_partner_api.id_type_national_id")
        Partner = cls.env["res.partner"]
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": "Lookup",
                    "family_name": f"Person{i:03d}",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"7700{i:05d}"})],
                }
                for i in range(120)
            ]
        )
        cls.archived = cls.people[-1]
        cls.archived._archive_registrant("Moved abroad")
        cls.group = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "is_company": True,
                "name": "Lookup household",
                "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": "770099999"})],
                "group_member_ids": [(0, 0, {"individual_id": cls.people[0].id})],
            }
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _lookup(self, api, values, resource="Individual", system=NID):
        return api.post(
            f"/api/v2/{resource}/$lookup",
            json={"identifiers": [{"system": system, "value": value} for value in values]},
            headers=self.headers,
        )

    def test_answers_each_identifier_in_request_order(self):
        values = ["770000005", "000000000", "770000002", "770000005", self.archived.reg_id_ids.value, "770099999"]
        with self._api() as api:
            response = self._lookup(api, values)
        self.assertEqual(response.status_code, 200, response.text)
        items = response.json()["items"]
        self.assertEqual([(i["system"], i["value"]) for i in items], [(NID, v) for v in values])
        self.assertEqual(
            [i["status"] for i in items], ["found", "not_found", "found", "found", "not_found", "not_found"]
        )
        self.assertEqual(items[0]["individual"]["uuid"], self.people[5].uuid)
        self.assertEqual(items[2]["individual"]["family_name"], "Person002")
        self.assertEqual(items[3], items[0], "the same identifier twice: the same answer twice")
        self.assertEqual(items[1], {"system": NID, "value": "000000000", "status": "not_found", "individual": None})
        self.assertEqual(items[4], dict(items[1], value=self.archived.reg_id_ids.value), "archived: not found")
        self.assertIsNone(items[5]["individual"], "a group's identifier is no individual")

    def test_the_individual_is_the_one_a_read_answers(self):
        with self._api() as api:
            found = self._lookup(api, ["770000000"]).json()["items"][0]["individual"]
            read = api.get(f"/api/v2/Individual/{self.people[0].uuid}", headers=self.headers).json()
        self.assertEqual(found, read)
        self.assertEqual(found["groups"][0]["group"], self.group.uuid)

    def test_group_lookup(self):
        with self._api() as api:
            response = self._lookup(api, ["770099999", "770000001"], resource="Group")
        self.assertEqual(response.status_code, 200, response.text)
        first, second = response.json()["items"]
        self.assertEqual((first["status"], first["group"]["uuid"]), ("found", self.group.uuid))
        self.assertEqual(first["group"]["members"][0]["individual"], self.people[0].uuid)
        self.assertEqual((second["status"], second["group"]), ("not_found", None))

    def test_more_than_a_thousand_is_refused_naming_the_limit(self):
        with self._api() as api:
            response = self._lookup(api, [f"7700{i:05d}" for i in range(1001)])
            at_limit = self._lookup(api, [f"7700{i:05d}" for i in range(1000)])
        self.assertEqual(response.status_code, 400, response.text)
        error = response.json()
        self.assertEqual(error["code"], "too_many_identifiers")
        self.assertIn("1000", error["detail"])
        self.assertEqual(self.problem_fields(response)[0], "identifiers")
        self.assertEqual(at_limit.status_code, 200, at_limit.text)
        self.assertEqual(len(at_limit.json()["items"]), 1000)

    def test_unknown_system_is_refused_naming_the_field(self):
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual/$lookup",
                json={"identifiers": [{"system": NID, "value": "770000001"}, {"system": "urn:x:nope", "value": "1"}]},
                headers=self.headers,
            )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.problem_fields(response)[0], "identifiers[1].system")

    def test_needs_the_read_scope(self):
        writer, secret = self._create_client("Writer", scopes=["individual:write"])
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual/$lookup",
                json={"identifiers": [{"system": NID, "value": "770000001"}]},
                headers=self._auth(writer, secret),
            )
        self.assertEqual(response.status_code, 403, response.text)

    def _queries(self, api, values):
        response, count = queries_of(self.env, lambda: self._lookup(api, values))
        self.assertEqual(response.status_code, 200, response.text)
        return response, count

    def test_queries_do_not_grow_with_the_items(self):
        with self._api() as api:
            self._queries(api, ["770000000"])  # warm-up: caches filled once
            one, one_count = self._queries(api, ["770000000"])
            many, many_count = self._queries(api, [f"7700{i:05d}" for i in range(119)] + ["000000001"])
        self.assertEqual(one.json()["items"][0]["status"], "found")
        self.assertEqual([i["status"] for i in many.json()["items"]].count("found"), 119)
        self.assertEqual(many_count, one_count, "120 identifiers cost the queries of one")

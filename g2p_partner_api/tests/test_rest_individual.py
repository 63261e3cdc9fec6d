import calendar
import json
import re

from odoo.tests import tagged

from .common import G2PApiCase

DB_ID_KEYS = {"id", "partner_id", "program_id", "group_id", "individual_id", "client_id_db"}


def assert_no_db_ids(case, payload):
    """No key named like a database id anywhere in a body."""
    if isinstance(payload, dict):
        case.assertFalse(DB_ID_KEYS & set(payload), f"database id key in {payload}")
        for value in payload.values():
            assert_no_db_ids(case, value)
    elif isinstance(payload, list):
        for value in payload:
            assert_no_db_ids(case, value)


@tagged("post_install", "-at_install")
class TestRestIndividual(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Data collection tool", scopes=["individual:read", "individual:write"], default_source_system="kobo"
        )
        cls.reader, cls.reader_secret = cls._create_client("Reader", scopes=["individual:read"])
        cls.amina = cls.env.ref("g2p_partner_api.demo_individual_02")

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def test_search_by_identifier_and_read(self):
        nid = self.amina.reg_id_ids[0].value
        with self._api() as api:
            response = api.get(
                "/api/v2/Individual", params={"identifier": f"urn:g2p:id:national-id|{nid}"}, headers=self.headers
            )
            self.assertEqual(response.status_code, 200, response.text)
            body = response.json()
            self.assertEqual((body["total"], body["page"], len(body["items"])), (1, 1, 1))
            item = body["items"][0]
            self.assertEqual(item["uuid"], self.amina.uuid)
            self.assertEqual(item["identifiers"], [{"system": "urn:g2p:id:national-id", "value": nid}])
            self.assertEqual(item["gender"], {"system": "urn:g2p:vocab:gender", "code": "female", "display": "Female"})
            read = api.get(f"/api/v2/Individual/{self.amina.uuid}", headers=self.headers)
        self.assertEqual(read.status_code, 200)
        self.assertEqual(read.json(), item)
        assert_no_db_ids(self, body)
        self.assertEqual(item["groups"][0]["group"], self.env.ref("g2p_partner_api.demo_group_01").uuid)

    def test_pagination_is_stable_with_total(self):
        seen = []
        with self._api() as api:
            for page in (1, 2, 3):
                body = api.get("/api/v2/Individual", params={"_page": page, "_count": 20}, headers=self.headers).json()
                seen += [item["uuid"] for item in body["items"]]
                total = body["total"]
        self.assertGreaterEqual(total, 50)
        self.assertEqual(len(seen), len(set(seen)), "no registrant appears on two pages")
        self.assertEqual(len(seen), min(total, 60))

    def test_unknown_uuid_is_404_without_db_id(self):
        with self._api() as api:
            response = api.get("/api/v2/Individual/00000000-dead-beef-0000-000000000000", headers=self.headers)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
        self.assertIsNone(re.search(r"\(\d+,?\)", response.text))

    def test_group_uuid_is_not_an_individual(self):
        group = self.env.ref("g2p_partner_api.demo_group_01")
        with self._api() as api:
            self.assertEqual(api.get(f"/api/v2/Individual/{group.uuid}", headers=self.headers).status_code, 404)

    def test_create_records_provenance_and_audit(self):
        body = {
            "given_name": "Halima",
            "family_name": "Diallo",
            "birthdate": "1988-02-03",
            "gender": {"system": "urn:g2p:vocab:gender", "code": "female"},
            "identifiers": [{"system": "urn:g2p:id:national-id", "value": "55500011"}],
            "address": {"city": "Zomba", "country": "MW"},
        }
        # with the chatter on, as in production (the test case turns tracking off)
        with self._api(env=self.env(context=dict(self.env.context, tracking_disable=False))) as api:
            response = api.post(
                "/api/v2/Individual", json=body, headers=dict(self.headers, **{"X-Source-System": "kobo-form-7"})
            )
        self.assertEqual(response.status_code, 201, response.text)
        created = response.json()
        self.assertEqual(created["name"], "Halima Diallo")
        partner = self.env["res.partner"].search([("uuid", "=", created["uuid"])])
        self.assertEqual((partner.source_client_id, partner.source_system), (self.client, "kobo-form-7"))
        self.assertEqual(partner.country_id.code, "MW")
        self.assertEqual(created["provenance"]["created_by"], self.client.client_id)
        self.assertEqual(
            partner.message_ids[-1:].preview,
            f"Registered through the API by {self.client.name} (source system kobo-form-7)",
            "the chatter says which partner registered the person, not 'Contact created'",
        )
        audit = self._audit_rows(resource="/api/v2/Individual", status_code=201)
        self.assertEqual(
            (audit.actor, audit.outcome, audit.action), (self.client.client_id, "success", "POST /Individual")
        )

    def test_update_put_patch_use_default_source_system(self):
        with self._api() as api:
            created = api.post(
                "/api/v2/Individual",
                json={"given_name": "Paul", "identifiers": [{"system": "urn:g2p:id:passport", "value": "P-1"}]},
                headers=self.headers,
            ).json()
            patched = api.patch(
                f"/api/v2/Individual/{created['uuid']}", json={"family_name": "Tembo"}, headers=self.headers
            )
            self.assertEqual(patched.status_code, 200, patched.text)
            self.assertEqual((patched.json()["name"], patched.json()["identifiers"][0]["value"]), ("Paul Tembo", "P-1"))
            replaced = api.put(
                f"/api/v2/Individual/{created['uuid']}", json={"given_name": "Paulo"}, headers=self.headers
            )
        self.assertEqual(replaced.status_code, 200, replaced.text)
        self.assertEqual(
            (replaced.json()["name"], replaced.json()["identifiers"], replaced.json()["family_name"]),
            ("Paulo", [], None),
            "PUT replaces the whole individual",
        )
        partner = self.env["res.partner"].search([("uuid", "=", created["uuid"])])
        self.assertEqual(partner.last_source_system, "kobo")
        self.assertEqual(partner.uuid, created["uuid"])

    def test_search_by_an_unknown_identifier_system_names_it(self):
        """A DCI id-type name (NationalID) is no namespace URI: refused naming the system, never a silent 0."""
        nid = self.amina.reg_id_ids[0].value
        with self._api() as api:
            response = api.get("/api/v2/Individual", params={"identifier": f"NationalID|{nid}"}, headers=self.headers)
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("'NationalID'", response.text)
        self.assertIn("GET /api/v2/IdType", response.text)

    def test_birthdate_search_takes_only_a_written_date(self):
        """?birthdate= is YYYY-MM-DD, as the write takes it: seconds since 1970 or a date-time are refused naming the
        parameter, never searched as the date pydantic would make of them."""
        born = self.amina.birthdate.isoformat()
        midnight = calendar.timegm(self.amina.birthdate.timetuple())
        with self._api() as api:
            for sent in (str(midnight), "86400", f"{born}T00:00:00Z", f"{born}T00:00:00", f"{born} ", "1990-02-30"):
                response = api.get("/api/v2/Individual", params={"birthdate": sent}, headers=self.headers)
                self.assertEqual(response.status_code, 422, (sent, response.text))
                self.assertEqual(self.problem_locations(response), ["birthdate"], sent)
            found = api.get("/api/v2/Individual", params={"birthdate": born, "_count": 100}, headers=self.headers)
        self.assertEqual(found.status_code, 200, found.text)
        self.assertIn(self.amina.uuid, [item["uuid"] for item in found.json()["items"]])

    def test_duplicate_identifier_is_409_and_writes_nothing(self):
        nid = self.amina.reg_id_ids[0].value
        count = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                headers=self.headers,
                json={"given_name": "Copy", "identifiers": [{"system": "urn:g2p:id:national-id", "value": nid}]},
            )
        self.assertEqual(response.status_code, 409, response.text)
        self.assertEqual(response.json()["code"], "duplicate")
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), count)
        self.assertEqual(self._audit_rows(resource="/api/v2/Individual", status_code=409).outcome, "failure")

    def test_unknown_code_and_system_are_422_naming_the_field(self):
        cases = [
            ({"given_name": "X", "gender": {"system": "urn:g2p:vocab:gender", "code": "martian"}}, "/gender/code"),
            ({"given_name": "X", "gender": {"system": "urn:other", "code": "female"}}, "/gender/system"),
            (
                {"given_name": "X", "identifiers": [{"system": "urn:g2p:id:nowhere", "value": "1"}]},
                "/identifiers/0/system",
            ),
            ({"family_name": "no given name"}, "/given_name"),
            ({"given_name": "X", "birthdate": "not a date"}, "/birthdate"),
            ({"given_name": "X", "unexpected": 1}, "/unexpected"),
        ]
        with self._api() as api:
            for body, field in cases:
                response = api.post("/api/v2/Individual", json=body, headers=self.headers)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertEqual(response.json()["code"], "validation_error")
                self.assertIn(field, self.problem_locations(response), response.text)

    def test_write_needs_write_scope(self):
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual", json={"given_name": "X"}, headers=self._auth(self.reader, self.reader_secret)
            )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self._audit_rows(resource="/api/v2/Individual", status_code=403).actor, self.reader.client_id)

    def test_unauthenticated_is_401_and_audited(self):
        with self._api() as api:
            response = api.get(f"/api/v2/Individual/{self.amina.uuid}")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.headers["www-authenticate"].split()[0], "Bearer")
        row = self._audit_rows(resource=f"/api/v2/Individual/{self.amina.uuid}")
        self.assertEqual((row.outcome, row.status_code, row.action), ("failure", 401, "GET /Individual/{uuid}"))
        self.assertTrue(json.dumps(row._to_cloudevent()))

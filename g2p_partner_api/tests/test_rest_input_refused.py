"""Input is stored as sent or refused naming the field (issue #25): country codes are checked in full
(``Malawi`` was stored as Morocco), blank names and dates that are not dates are refused."""

from unittest.mock import patch

from starlette.requests import Request

from odoo.tests import tagged

from .common import G2PApiCase

NID = "urn:g2p:id:national-id"


@tagged("post_install", "-at_install")
class TestRestInputRefused(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Input partner", scopes=["individual:read", "individual:write", "group:read", "group:write"]
        )
        cls.person = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Thoko",
                "family_name": "Banda",
                "country_id": cls.env.ref("base.mw").id,
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_national_id").id, "value": "95000001"})
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def registrant_count(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    def assert_refused(self, response, field):
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn(field, self.problem_locations(response), response.text)

    def test_a_member_named_twice_is_refused_on_create_and_patch(self):
        """JSON keeps the last of a repeated member: the registry refuses the body instead, naming the member."""
        count = self.registrant_count()
        headers = dict(self.headers, **{"Content-Type": "application/json"})
        cases = (
            (b'{"given_name": "Anna", "family_name": "Zzdupkey", "given_name": "Bob"}', "/given_name"),
            (b'{"given_name": "Anna", "address": {"city": "Zomba", "city": "Blantyre"}}', "/address/city"),
            (
                b'{"given_name": "Anna", "identifiers": [{"system": "urn:g2p:id:national-id", '
                b'"value": "95000077", "value": "95000078"}]}',
                "/identifiers/0/value",
            ),
        )
        with self._api() as api:
            for raw, pointer in cases:
                for response in (
                    api.post("/api/v2/Individual", content=raw, headers=headers),
                    api.patch(f"/api/v2/Individual/{self.person.uuid}", content=raw, headers=headers),
                ):
                    self.assert_refused(response, pointer)
                    (error,) = response.json()["errors"]
                    self.assertEqual((error["code"], response.json()["code"]), ("duplicate_member", "validation_error"))
                    self.assertIn(repr(pointer.rsplit("/", 1)[1]), error["message"])
            self.env.invalidate_all()
            self.assertEqual((self.person.given_name, self.person.city), ("Thoko", False), "nothing written")
            self.assertEqual(self.registrant_count(), count, "nothing registered")
            # the same bodies, each member once; the route reads the middleware's parse, never parses again
            with patch.object(Request, "json", side_effect=AssertionError("the body was parsed twice")):
                created = api.post(
                    "/api/v2/Individual", content=b'{"given_name": "Anna", "family_name": "Zzdupkey"}', headers=headers
                )
            self.assertEqual((created.status_code, created.json()["given_name"]), (201, "Anna"), created.text)
            patched = api.patch(
                f"/api/v2/Individual/{self.person.uuid}", content=b'{"address": {"city": "Zomba"}}', headers=headers
            )
            self.assertEqual(patched.status_code, 200, patched.text)
        self.env.invalidate_all()
        self.assertEqual(self.person.city, "Zomba")

    def test_country_names_and_unknown_codes_refused_on_create_and_replace(self):
        count = self.registrant_count()
        with self._api() as api:
            for country in ("Malawi", "Zambia", "XX", "XXX", "mw", "M", ""):
                body = {"given_name": "Chisomo", "address": {"country": country}}
                self.assert_refused(api.post("/api/v2/Individual", json=body, headers=self.headers), "/address/country")
                self.assertEqual(self.registrant_count(), count, f"{country!r}: nothing stored")
                replaced = api.put(f"/api/v2/Individual/{self.person.uuid}", json=body, headers=self.headers)
                self.assert_refused(replaced, "/address/country")
                self.env.invalidate_all()
                self.assertEqual((self.person.given_name, self.person.country_id.code), ("Thoko", "MW"), country)
            group = {"name": "Banda household", "address": {"country": "Zambia"}}
            self.assert_refused(api.post("/api/v2/Group", json=group, headers=self.headers), "/address/country")
        self.assertEqual(self.registrant_count(), count)

    def test_alpha_3_is_stored_as_its_alpha_2_never_cut(self):
        with self._api() as api:
            for sent, stored in (("MWI", "MW"), ("MOZ", "MZ"), ("ZMB", "ZM"), ("MW", "MW")):
                response = api.post(
                    "/api/v2/Individual",
                    json={"given_name": "Chisomo", "address": {"country": sent}},
                    headers=self.headers,
                )
                self.assertEqual(response.status_code, 201, response.text)
                self.assertEqual(response.json()["address"]["country"], stored, sent)
                partner = self.env["res.partner"].search([("uuid", "=", response.json()["uuid"])])
                self.assertEqual(partner.country_id.code, stored, sent)

    def test_blank_names_and_dates_that_are_not_dates_refused(self):
        count = self.registrant_count()
        with self._api() as api:
            for body, field in (
                ({"given_name": "   "}, "/given_name"),
                ({"given_name": "Chisomo", "family_name": " \t"}, "/family_name"),
                ({"given_name": "Chisomo", "birthdate": 0}, "/birthdate"),
                ({"given_name": "Chisomo", "birthdate": "1990-01-01T00:00:00"}, "/birthdate"),
            ):
                self.assert_refused(api.post("/api/v2/Individual", json=body, headers=self.headers), field)
                patched = api.patch(f"/api/v2/Individual/{self.person.uuid}", json=body, headers=self.headers)
                self.assert_refused(patched, field)
            self.assert_refused(api.post("/api/v2/Group", json={"name": "  "}, headers=self.headers), "/name")
            group = api.post("/api/v2/Group", json={"name": "Phiri household"}, headers=self.headers).json()
            cleared = api.patch(f"/api/v2/Group/{group['uuid']}", json={"name": None}, headers=self.headers)
            self.assert_refused(cleared, "/name")
        self.env.invalidate_all()
        self.assertEqual(
            (self.person.given_name, self.person.family_name, self.person.birthdate), ("Thoko", "Banda", False)
        )
        self.assertEqual(self.env["res.partner"].search([("uuid", "=", group["uuid"])]).name, "Phiri household")
        self.assertEqual(self.registrant_count(), count + 1, "only the honest group")

    def test_enrol_is_a_boolean_not_a_word(self):
        child_grant = self.env.ref("g2p_partner_api.demo_program_child_grant")
        client, secret = self._create_client(
            "Enrolling partner",
            scopes=["program:read", "membership:read", "membership:write"],
            allowed_program_ids=[(6, 0, child_grant.ids)],
        )
        person = self.env.ref("g2p_partner_api.demo_individual_50")
        Membership = self.env["g2p.program.membership"].with_context(active_test=False)
        count = Membership.search_count([])
        with self._api() as api:
            for enrol in ("yes", "false", 1):
                body = {"program": child_grant.uuid, "registrant": person.uuid, "enrol": enrol}
                response = api.post("/api/v2/ProgramMembership", json=body, headers=self._auth(client, secret))
                self.assert_refused(response, "/enrol")
        self.assertEqual(Membership.search_count([]), count)

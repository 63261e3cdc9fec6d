"""Every REST error is one RFC 9457 problem details object naming every problem of the request."""

from datetime import date, timedelta

from odoo.tests import tagged

from ..services.problem_details import FIELD_CODES
from .common import G2PApiCase

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code", "errors"}


@tagged("post_install", "-at_install")
class TestProblemDetails(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Problem partner",
            scopes=["individual:read", "individual:write", "membership:read", "membership:write", "group:read"],
            all_programs=True,
        )
        cls.national_id = cls.env.ref("g2p_partner_api.id_type_national_id")  # value_regex [0-9]{6,12}
        cls.program = cls.env["g2p.program"].create(
            {"name": "Household grant", "target_type": "group", "state": "active"}
        )
        cls.person = cls.env["res.partner"].create({"is_registrant": True, "given_name": "Problem", "family_name": "X"})

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def registrant_count(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    def problems(self, response):
        """{(where, code)} of a problem details answer, once its standard members are checked."""
        self.problem_locations(response)
        body = response.json()
        self.assertLessEqual(PROBLEM_MEMBERS, set(body), body)
        for error in body["errors"]:
            self.assertIn(error["code"], FIELD_CODES, error)
        return {(e.get("pointer", e.get("parameter", e.get("header"))), e["code"]) for e in body["errors"]}

    def test_every_problem_of_a_body_in_one_answer_each_at_its_pointer(self):
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        body = {
            "family_name": "No given name",
            "birthdate": tomorrow,
            "gender": {"system": "urn:g2p:vocab:gender", "code": "martian"},
            "identifiers": [
                {"system": self.national_id.namespace_uri, "value": "AB-12"},
                {"system": "urn:g2p:id:nowhere", "value": "1"},
            ],
        }
        count = self.registrant_count()
        with self._api() as api:
            for method, url in (("POST", "/api/v2/Individual"), ("PUT", f"/api/v2/Individual/{self.person.uuid}")):
                response = api.request(method, url, json=body, headers=self.headers)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertEqual(response.json()["code"], "validation_error")
                self.assertEqual(
                    self.problems(response),
                    {
                        ("/given_name", "required"),
                        ("/birthdate", "out_of_range"),
                        ("/gender/code", "unknown_code"),
                        ("/identifiers/0/value", "pattern_mismatch"),
                        ("/identifiers/1/system", "unknown_identifier_system"),
                    },
                    method,
                )
                self.assertEqual(response.json()["instance"], url)
        self.assertEqual(self.registrant_count(), count, "nothing stored")
        self.env.invalidate_all()
        self.assertEqual((self.person.given_name, self.person.reg_id_ids), ("Problem", self.env["g2p.reg.id"]))

    def test_same_identifier_twice_points_at_the_repeat(self):
        nid = {"system": self.national_id.namespace_uri, "value": "70000001"}
        other = {"system": self.national_id.namespace_uri, "value": "70000002"}
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                json={"given_name": "Twice", "identifiers": [nid, other, nid]},
                headers=self.headers,
            )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.problems(response), {("/identifiers/2", "duplicate_value")})

    def test_codes_say_what_is_wrong_without_pydantic_names(self):
        cases = [
            ({"given_name": "X", "birthdate": "1990-01-01T00:00:00"}, ("/birthdate", "invalid_format")),
            ({"given_name": "X" * 200}, ("/given_name", "too_long")),
            ({"given_name": 12}, ("/given_name", "invalid_type")),
            ({"given_name": "X", "colour": "blue"}, ("/colour", "not_allowed")),
            (
                {"given_name": "X", "gender": {"system": "urn:other", "code": "female"}},
                ("/gender/system", "not_allowed"),
            ),
            ({"given_name": "X", "address": {"country": "Malawi"}}, ("/address/country", "unknown_code")),
        ]
        with self._api() as api:
            for body, problem in cases:
                response = api.post("/api/v2/Individual", json=body, headers=self.headers)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertEqual(self.problems(response), {problem}, body)

    def test_malformed_json_is_a_400_problem(self):
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                content=b'{"given_name": ',
                headers=dict(self.headers, **{"Content-Type": "application/json"}),
            )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["code"], "malformed_json")
        self.assertEqual(self.problems(response), {("", "malformed_json")})

    def test_not_found_is_a_problem_with_the_request_path(self):
        url = "/api/v2/Individual/00000000-0000-4000-8000-000000000000"
        with self._api() as api:
            response = api.get(url, headers=self.headers)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.problems(response), set())
        body = response.json()
        self.assertEqual(
            (body["type"], body["title"], body["status"], body["instance"], body["code"]),
            ("urn:g2p:problem:not_found", "No such resource", 404, url, "not_found"),
        )

    def test_unknown_query_parameters_are_refused_naming_them(self):
        with self._api() as api:
            refused = api.get("/api/v2/Individual", params={"_bogus": 1, "pagesize": 5}, headers=self.headers)
            self.assertEqual(refused.status_code, 400, refused.text)
            self.assertEqual(refused.json()["code"], "unknown_query_parameter")
            self.assertEqual(
                self.problems(refused), {("_bogus", "unknown_parameter"), ("pagesize", "unknown_parameter")}
            )
            declared = api.get(
                "/api/v2/Individual", params={"_page": 1, "_count": 5, "name": "X"}, headers=self.headers
            )
            self.assertEqual(declared.status_code, 200, declared.text)
            # the token route ignores parameters it does not know (RFC 6749 §3.2)
            token = api.post(
                "/api/v2/oauth/token",
                params={"extra": "1"},
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client.client_id,
                    "client_secret": self.secret,
                },
            )
            self.assertEqual(token.status_code, 200, token.text)

    def test_openapi_documents_errors_as_problem_details(self):
        with self._api() as api:
            paths = api.get("/api/v2/openapi.json").json()["paths"]
        for status in ("404", "409", "422", "429"):
            content = paths["/Individual"]["post" if status == "409" else "get"]["responses"].get(status, {})
            if status == "404":
                content = paths["/Individual/{uuid}"]["get"]["responses"][status]
            self.assertEqual(set(content["content"]), {"application/problem+json"}, status)
        self.assertEqual(set(paths["/Individual"]["get"]["responses"]["200"]["content"]), {"application/json"})

    def test_405_allows_every_method_of_the_resource(self):
        with self._api() as api:
            response = api.post(f"/api/v2/Individual/{self.person.uuid}", json={}, headers=self.headers)
        self.assertEqual(response.status_code, 405, response.text)
        self.assertEqual(response.json()["code"], "method_not_allowed")
        self.assertEqual(set(response.headers["Allow"].split(", ")), {"GET", "PUT", "PATCH", "DELETE"})

    def test_wrong_programme_target_type_points_at_the_registrant(self):
        with self._api() as api:
            response = api.post(
                "/api/v2/ProgramMembership",
                json={"program": self.program.uuid, "registrant": self.person.uuid},
                headers=self.headers,
            )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.problems(response), {("/registrant", "wrong_target_type")})
        self.assertFalse(self.env["g2p.program.membership"].search([("program_id", "=", self.program.id)]))

    def test_taken_identifier_is_a_409_problem(self):
        nid = {"system": self.national_id.namespace_uri, "value": "70000009"}
        with self._api() as api:
            first = api.post(
                "/api/v2/Individual", json={"given_name": "One", "identifiers": [nid]}, headers=self.headers
            )
            self.assertEqual(first.status_code, 201, first.text)
            second = api.post(
                "/api/v2/Individual", json={"given_name": "Two", "identifiers": [nid]}, headers=self.headers
            )
        self.assertEqual(second.status_code, 409, second.text)
        self.assertEqual(second.json()["code"], "duplicate")
        self.assertEqual(self.problems(second), set())
        self.assertEqual(second.json()["candidates"], [first.json()["uuid"]])

"""Errors of the /partner app: the ingest envelope for ingest_data, problem details for ingest_status."""

from odoo.tests import tagged

from ..services.ingest_envelope import ERROR_CODES
from .common import IngestCase


@tagged("post_install", "-at_install")
class TestIngestErrors(IngestCase):
    def test_ingest_status_errors_are_problem_details_429_included(self):
        client, secret = self._create_client("Status reader", scopes=["ingest:write"], rate_limit_per_minute=2)
        headers = self._auth(client, secret)
        unknown = "/partner/ingest_status/00000000-0000-4000-8000-000000000000"
        with self._api() as api:
            not_found = api.get(unknown, headers=headers)
            self.assertEqual(not_found.status_code, 404, not_found.text)
            self.assertEqual(self.problem_locations(not_found), [])
            self.assertEqual((not_found.json()["code"], not_found.json()["instance"]), ("not_found", unknown))
            malformed = api.get("/partner/ingest_status/not-a-uuid", headers=headers)
            self.assertEqual(malformed.status_code, 422, malformed.text)
            self.assertEqual(self.problem_locations(malformed), ["correlation_id"])
            limited = api.get(unknown, headers=headers)
            self.assertEqual(limited.status_code, 429, limited.text)
            self.assertEqual(self.problem_locations(limited), [])
            self.assertEqual(limited.json()["code"], "rate_limited")
            self.assertGreater(int(limited.headers["Retry-After"]), 0)
            anonymous = api.get(unknown)
            self.assertEqual(anonymous.status_code, 401, anonymous.text)
            self.assertEqual(self.problem_locations(anonymous), [])

    def test_unknown_route_and_method_answer_the_envelope(self):
        with self._api() as api:
            for response, status, code in (
                (api.get("/partner/no_such_route"), 404, "NOT_FOUND"),
                (api.get("/partner/ingest_data"), 405, "METHOD_NOT_ALLOWED"),
            ):
                self.assertEqual(response.status_code, status, response.text)
                header = response.json()["response_header"]
                self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code))
                self.assertIn(code, ERROR_CODES)
        self.assertEqual(response.headers["Allow"], "POST")

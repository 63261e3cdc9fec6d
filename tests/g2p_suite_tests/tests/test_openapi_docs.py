"""What each app's /docs shows a partner: every route, header and error of #18 with examples."""

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

RATE_LIMIT_HEADERS = {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
UNLIMITED = ("/ping", "/health", "/oauth/token", "/oauth/client_secret", "/.well-known/jwks.json")


@tagged("post_install", "-at_install")
class TestOpenApiDocs(G2PApiCase):
    def _spec(self, xmlid):
        endpoint = self.env.ref(xmlid)
        with self._api(endpoint) as api:
            response = api.get(f"{endpoint.root_path}/openapi.json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _operations(self, spec):
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                yield path, method, operation

    def _example(self, response):
        """The example of an answer, whatever its media type (problem details: application/problem+json)."""
        (content,) = response["content"].values()
        return content["example"]

    def _assert_rate_limited(self, spec, label):
        """Every call that counts against a client's limit documents its 429 with headers and an example;
        returns the examples by route."""
        examples = {}
        for path, method, operation in self._operations(spec):
            if path.endswith(UNLIMITED):
                continue
            with self.subTest(app=label, route=f"{method} {path}"):
                response = operation["responses"].get("429")
                self.assertTrue(response, "429 documented")
                self.assertEqual(set(response["headers"]), RATE_LIMIT_HEADERS)
                examples[(method, path)] = self._example(response)
        self.assertTrue(examples, label)
        return examples

    def test_rest_documents_archive_versions_lookups_and_rate_limits(self):
        spec = self._spec("g2p_partner_api.fastapi_endpoint_rest")
        paths = spec["paths"]
        for example in self._assert_rate_limited(spec, "REST").values():
            self.assertEqual(example["code"], "rate_limited")
        self.assertTrue({"/Vocabulary", "/Vocabulary/{system}", "/IdType"} <= set(paths))
        self.assertIn("304", paths["/Vocabulary"]["get"]["responses"])
        for resource in ("Individual", "Group"):
            item = paths[f"/{resource}/{{uuid}}"]
            self.assertIn("ETag", item["get"]["responses"]["200"]["headers"], resource)
            self.assertEqual(self._example(item["get"]["responses"]["410"])["code"], "gone")
            for method in ("put", "patch", "delete"):
                operation = item[method]
                headers = {p["name"].lower() for p in operation["parameters"] if p["in"] == "header"}
                self.assertIn("if-match", headers, f"{method} {resource}")
                codes = {status: self._example(operation["responses"][status])["code"] for status in ("412", "428")}
                self.assertEqual(codes, {"412": "precondition_failed", "428": "precondition_required"})
            self.assertIn("X-Reason", [p["name"] for p in item["delete"]["parameters"]])
            self.assertIn("include_archived", [p["name"] for p in paths[f"/{resource}"]["get"]["parameters"]])

    def test_ingest_documents_dry_run_and_rate_limits(self):
        spec = self._spec("g2p_partner_ingest.fastapi_endpoint_ingest")
        examples = self._assert_rate_limited(spec, "ingest")
        header = examples[("post", "/ingest_data")]["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "RATE_LIMITED"))
        # ingest_status is a REST-like read: its errors, 429 included, are problem details
        self.assertEqual(examples[("get", "/ingest_status/{correlation_id}")]["code"], "rate_limited")
        dry_run = {p["name"]: p for p in spec["paths"]["/ingest_data"]["post"]["parameters"]}["dry_run"]
        self.assertIn("description", dry_run)
        self.assertIn("DryRunPayload", spec["components"]["schemas"])

    def test_dci_documents_its_rate_limit_acknowledgement(self):
        spec = self._spec("g2p_dci_search.fastapi_endpoint_dci")
        examples = self._assert_rate_limited(spec, "DCI")
        self.assertIn(("post", "/registry/sync/search"), examples)
        for example in examples.values():
            self.assertEqual(
                (example["message"]["ack_status"], example["message"]["error"]["code"]),
                ("ERR", "err.request.too_many_requests"),
            )

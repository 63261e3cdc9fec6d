"""The three apps' documentation and OpenAPI as a partner's tools meet them, through Odoo's HTTP stack:
docs pages that work without internet, and specs that client generators handle."""

import re

from lxml import html

from odoo.tests import HttpCase, tagged

APPS = ("/api/v2", "/partner", "/dci")
OPERATION_ID = re.compile(r"^[a-z][A-Za-z]+$")
TOKEN_URL = "/api/v2/oauth/token"


@tagged("post_install", "-at_install")
class TestApiSpecs(HttpCase):
    def _spec(self, root):
        # the first request builds the document (a few seconds on a loaded 2-core machine)
        response = self.url_open(f"{root}/openapi.json", timeout=60)
        self.assertEqual(response.status_code, 200, root)
        return response.json()

    def _operations(self, spec):
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                yield f"{method.upper()} {path}", operation

    def test_docs_pages_load_only_the_registrys_own_assets(self):
        """/docs and /redoc name no third-party URL (no CDN, fonts or validator), and every script,
        stylesheet and icon they load is served by the registry itself."""
        for root in APPS:
            for page in ("docs", "redoc"):
                with self.subTest(page=f"{root}/{page}"):
                    response = self.url_open(f"{root}/{page}")
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(re.findall(r"https?://\S+|//[a-z0-9.-]+\.[a-z]{2,}/", response.text), [])
                    assets = html.fromstring(response.content).xpath("//script/@src | //link/@href")
                    self.assertGreaterEqual(len(assets), 2 if page == "docs" else 1)
                    for url in assets:
                        self.assertTrue(url.startswith("/g2p_partner_api/static/lib/"), url)
                        self.assertEqual(self.url_open(url).status_code, 200, url)
                    self.assertIn(f"{root}/openapi.json", response.text)

    def test_every_operation_has_a_stable_verb_noun_operation_id(self):
        for root in APPS:
            spec = self._spec(root)
            ids = {}
            for label, operation in self._operations(spec):
                with self.subTest(app=root, operation=label):
                    self.assertRegex(operation.get("operationId", ""), OPERATION_ID)
                    self.assertNotIn(operation["operationId"], ids, f"also {ids.get(operation['operationId'])}")
                    ids[operation["operationId"]] = label
        rest = {label: operation["operationId"] for label, operation in self._operations(self._spec("/api/v2"))}
        expected = {
            "GET /Individual": "listIndividuals",
            "GET /Individual/{uuid}": "getIndividual",
            "POST /Individual": "createIndividual",
            "PUT /Individual/{uuid}": "replaceIndividual",
            "PATCH /Individual/{uuid}": "patchIndividual",
            "DELETE /Individual/{uuid}": "archiveIndividual",
            "DELETE /Group/{uuid}": "archiveGroup",
            "POST /oauth/token": "issueToken",
            "POST /oauth/client_secret": "rotateClientSecret",
            "PUT /ProgramMembership/{uuid}": "replaceProgramMembership",
            "PATCH /ProgramMembership/{uuid}": "patchProgramMembership",
        }
        self.assertEqual({label: rest[label] for label in expected}, expected)

    def test_oauth2_client_credentials_scheme_with_the_scope_of_each_operation(self):
        for root in APPS:
            spec = self._spec(root)
            flow = spec["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]
            self.assertEqual(flow["tokenUrl"], TOKEN_URL, root)
            for label, operation in self._operations(spec):
                for requirement in operation.get("security", []):
                    with self.subTest(app=root, operation=label):
                        self.assertEqual(set(requirement), {"OAuth2"})
                        self.assertLessEqual(set(requirement["OAuth2"]), set(flow["scopes"]))
        rest = self._spec("/api/v2")["paths"]
        self.assertEqual(rest["/Individual"]["get"]["security"], [{"OAuth2": ["individual:read"]}])
        self.assertEqual(rest["/Individual"]["post"]["security"], [{"OAuth2": ["individual:write"]}])
        self.assertEqual(rest["/IdType"]["get"]["security"], [{"OAuth2": []}])
        self.assertNotIn("security", rest["/oauth/token"]["post"])
        # authenticated by the client's secret, as the token route: a bearer token is not enough
        self.assertNotIn("security", rest["/oauth/client_secret"]["post"])
        self.assertNotIn("security", rest["/ping"]["get"])
        dci = self._spec("/dci")["paths"]
        self.assertEqual(dci["/registry/sync/search"]["post"]["security"], [{"OAuth2": ["dci:search"]}])

    def test_each_operation_documents_the_errors_it_can_give(self):
        """No 404 on a search nor on a create of a registrant, no 409 on a read."""
        paths = self._spec("/api/v2")["paths"]
        for resource in ("Individual", "Group", "Program", "ProgramMembership"):
            with self.subTest(resource=resource):
                search = paths[f"/{resource}"]["get"]["responses"]
                self.assertTrue({"401", "403", "422", "429"} <= set(search))
                self.assertFalse({"404", "409"} & set(search))
                read = paths[f"/{resource}/{{uuid}}"]["get"]["responses"]
                self.assertIn("404", read)
                self.assertNotIn("409", read)
        self.assertIn("409", paths["/Individual"]["post"]["responses"])
        self.assertNotIn("404", paths["/Individual"]["post"]["responses"])
        self.assertNotIn("409", paths["/Individual/{uuid}"]["delete"]["responses"])
        self.assertNotIn("403", paths["/IdType"]["get"]["responses"])
        status = self._spec("/partner")["paths"]["/ingest_status/{correlation_id}"]["get"]["responses"]
        self.assertFalse({"403", "409"} & set(status))

    def test_answers_tolerate_new_fields_requests_refuse_unknown_ones(self):
        schemas = self._spec("/api/v2")["components"]["schemas"]
        for name in ("Individual", "Group", "Page_Individual_", "Provenance-Output", "Identifier-Output"):
            with self.subTest(schema=name):
                self.assertNotIn("additionalProperties", schemas[name])
        for name in ("IndividualWrite", "GroupWrite", "Identifier-Input", "ArchiveRequest"):
            with self.subTest(schema=name):
                self.assertIs(schemas[name]["additionalProperties"], False)

"""Python clients generated with openapi-python-client from each app's OpenAPI, fetched live, then
used against the running test server as a partner's developer would use them."""

import datetime
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import HttpCase, tagged

# no post hooks (ruff): generating needs the spec and nothing else, offline
GENERATOR_CONFIG = "post_hooks: []\n"
SCOPES = ["individual:read", "individual:write", "ingest:write", "dci:search"]


@tagged("post_install", "-at_install")
class TestGeneratedClients(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = Path(tempfile.mkdtemp(prefix="g2p_generated_clients_"))
        cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.key = ec.generate_private_key(ec.SECP256R1())
        public_key = (
            cls.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        cls.partner = cls.env["g2p.api.client"].create(
            {
                "name": "Generated client",
                "scope_ids": [(6, 0, cls.env["g2p.api.scope"].search([("code", "in", SCOPES)]).ids)],
                "partner_mnemonic": "GENERATED",
                "dci_sender_id": "generated.example.org",
                "public_key": public_key,
                "legal_basis_enabled": True,
                "legal_basis": "Test fixture: registry law, art. 1",
            }
        )
        cls.secret = cls.partner._generate_secret()

    def _generate(self, root, package):
        """The client generated from ``root``'s live OpenAPI, imported as ``package``."""
        spec = self.workdir / f"{package}.json"
        response = self.url_open(f"{root}/openapi.json")
        self.assertEqual(response.status_code, 200)
        spec.write_bytes(response.content)
        config = self.workdir / "generator.yaml"
        config.write_text(GENERATOR_CONFIG)
        output = self.workdir / package
        command = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec)]
        command += ["--output-path", str(output), "--meta", "none", "--config", str(config)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # a schema or response the generator could not read is left out of the client with a warning
        self.assertNotIn("Warning", result.stdout + result.stderr)
        sys.path.insert(0, str(self.workdir))
        self.addCleanup(self._forget, package)
        try:
            return importlib.import_module(package)
        finally:
            sys.path.remove(str(self.workdir))

    @staticmethod
    def _forget(package):
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]

    def _module(self, package, name):
        return importlib.import_module(f"{package}.{name}")

    def _token(self, rest):
        issue_token = self._module("g2p_rest", "api.oauth.issue_token")
        body = self._module("g2p_rest", "models").BodyIssueToken(
            grant_type="client_credentials", client_id=self.partner.client_id, client_secret=self.secret
        )
        anonymous = rest.Client(base_url=f"{self.base_url()}/api/v2")
        wrong = self._module("g2p_rest", "models").BodyIssueToken(
            grant_type="client_credentials", client_id=self.partner.client_id, client_secret="not the secret"
        )
        refused = issue_token.sync_detailed(client=anonymous, body=wrong)
        self.assertEqual((refused.status_code, refused.parsed.error), (401, "invalid_client"))
        token = issue_token.sync(client=anonymous, body=body)
        self.assertTrue(token.access_token)
        return token.access_token

    def test_rest_client_token_list_get_create_archive(self):
        rest = self._generate("/api/v2", "g2p_rest")
        models = self._module("g2p_rest", "models")
        api = rest.AuthenticatedClient(base_url=f"{self.base_url()}/api/v2", token=self._token(rest))
        individual = "g2p_rest.api.individual."
        create = importlib.import_module(individual + "create_individual")
        created = create.sync_detailed(
            client=api,
            body=models.IndividualWrite(
                given_name="Ada",
                family_name="Generated",
                birthdate=datetime.date(1990, 4, 1),
                identifiers=[models.IdentifierInput(system="urn:g2p:id:national-id", value="904711000")],
            ),
        )
        self.assertEqual(created.status_code, 201, created.content)
        self.assertIsInstance(created.parsed, models.Individual)
        person = created.parsed.uuid

        listed = importlib.import_module(individual + "list_individuals").sync(
            client=api, identifier="urn:g2p:id:national-id|904711000", field_count=5
        )
        self.assertIsInstance(listed, models.PageIndividual)
        self.assertEqual((listed.total, [item.uuid for item in listed.items]), (1, [person]))

        read = importlib.import_module(individual + "get_individual").sync(client=api, uuid=person)
        self.assertEqual(
            (read.given_name, read.family_name, read.birthdate), ("Ada", "Generated", created.parsed.birthdate)
        )
        self.assertEqual([(i.system, i.value) for i in read.identifiers], [("urn:g2p:id:national-id", "904711000")])

        # the reason in the header, no body: the generated call sends none
        archive = importlib.import_module(individual + "archive_individual")
        archived = archive.sync_detailed(client=api, uuid=person, x_reason="Duplicate record (test)")
        self.assertEqual(archived.status_code, 200, archived.content)
        self.assertEqual(archived.parsed.archive_reason, "Duplicate record (test)")
        gone = importlib.import_module(individual + "get_individual").sync_detailed(client=api, uuid=person)
        self.assertEqual((gone.status_code, gone.parsed.code), (410, "gone"))
        missing = archive.sync_detailed(client=api, uuid=str(uuid.uuid4()), body=models.ArchiveRequest(reason="x"))
        self.assertEqual((missing.status_code, missing.parsed.code), (404, "not_found"))

    def test_ingest_client_dry_run(self):
        ingest = self._generate("/partner", "g2p_ingest")
        models = self._module("g2p_ingest", "models")
        message_id = str(uuid.uuid4())
        message = {"person": {"first_name": "Grace", "last_name": "Generated", "dob": "1992-05-17", "sex": "F"}}
        signature = jwt.encode(dict(message, jti=message_id, iat=int(time.time())), self.key, algorithm="ES256")
        body = {"header": {"message_id": message_id, "sender_id": "GENERATED"}, "message": message}
        ingest_data = self._module("g2p_ingest", "api.ingest.ingest_data")
        answer = ingest_data.sync_detailed(
            client=ingest.Client(base_url=f"{self.base_url()}/partner"),
            body=models.IngestDataBody.from_dict(dict(body, signature=signature)),
            data_model="PERSON_JSON",
            dry_run=True,
        )
        self.assertEqual(answer.status_code, 200, answer.content)
        self.assertEqual(answer.parsed.response_header.response_status, "SUCCESS", answer.content)
        payload = answer.parsed.response_payload
        self.assertIsInstance(payload, models.DryRunPayload)
        self.assertEqual((payload.dry_run, payload.data_model, payload.item_count), (True, "PERSON_JSON", 1))
        self.assertEqual(payload.items[0].canonical["family_name"], "Generated")
        self.assertFalse(self.env["g2p.ingest.raw"].search([("message_id", "=", message_id)]))

    def _dci_token(self):
        response = self.url_open(
            "/api/v2/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.partner.client_id,
                "client_secret": self.secret,
                "scope": "dci:search",
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["access_token"]

    def _signed_search(self, family_name):
        """A DCI sync search envelope for individuals of ``family_name``, signed by the partner's key."""
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": now,
            "action": "search",
            "sender_id": "generated.example.org",
            "receiver_id": "registry.g2p",
            "total_count": 1,
            "is_msg_encrypted": False,
        }
        query = {"expression": {"collection": "Individual", "query": {"family_name": family_name}}}
        message = {
            "transaction_id": str(uuid.uuid4())[:30],
            "search_request": [
                {
                    "reference_id": "ref-1",
                    "timestamp": now,
                    "search_criteria": {
                        "reg_type": "Individual",
                        "query_type": "expression",
                        "query": {"type": "ns:org:QueryType:expression", "value": query},
                    },
                }
            ],
        }
        signature = jwt.encode({"header": header, "message": message}, self.key, algorithm="ES256")
        return {"signature": signature, "header": header, "message": message}

    def test_dci_client_signed_sync_search_and_the_registrys_keys(self):
        dci = self._generate("/dci", "g2p_dci")
        for operation in ("sync_search", "sync_txn_status"):
            self.assertTrue(hasattr(self._module("g2p_dci", f"api.dci.{operation}"), "sync_detailed"))
        for operation in ("search", "subscribe", "unsubscribe", "txn_status"):
            self.assertTrue(hasattr(self._module("g2p_dci", f"api.dci_asynchronous.{operation}"), "sync_detailed"))
        jwks = self._module("g2p_dci", "api.dci.get_jwks").sync(client=dci.Client(base_url=f"{self.base_url()}/dci"))
        self.assertTrue(jwks.keys)
        self.assertTrue(all(key["kid"] for key in (k.to_dict() for k in jwks.keys)))

        self.env["res.partner"].create({"is_registrant": True, "given_name": "Dora", "family_name": "Generatedson"})
        models = self._module("g2p_dci", "models")
        api = dci.AuthenticatedClient(base_url=f"{self.base_url()}/dci", token=self._dci_token())
        answer = self._module("g2p_dci", "api.dci.sync_search").sync_detailed(
            client=api, body=models.SearchEnvelope.from_dict(self._signed_search("Generatedson"))
        )
        self.assertEqual(answer.status_code, 200, answer.content)
        body = answer.parsed.to_dict()
        self.assertEqual(body["header"]["status"], "succ", body)
        (result,) = body["message"]["search_response"]
        records = result["data"]["reg_records"]
        self.assertEqual([record["name"]["given_name"] for record in records], ["Dora"], records)

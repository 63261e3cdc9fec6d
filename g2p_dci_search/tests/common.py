import base64
import hashlib
import json
import os
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_api.tests.http_receiver import Receiver

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "spec", "social_api_v1.0.0.yaml")


@lru_cache(maxsize=1)
def spec_registry():
    with open(SPEC_PATH) as spec_file:
        spec = yaml.safe_load(spec_file)
    return Registry().with_resource("urn:spdci", Resource(contents=spec, specification=DRAFT7))


def spec_validator(pointer):
    """A validator for the schema at ``pointer`` (JSON pointer) of the SPDCI OpenAPI document."""
    return Draft7Validator({"$ref": f"urn:spdci#{pointer}"}, registry=spec_registry())


SYNC_SEARCH = "/paths/~1registry~1sync~1search/post"
REQUEST_SCHEMA = SYNC_SEARCH + "/requestBody/content/application~1json/schema"
RESPONSE_SCHEMA = SYNC_SEARCH + "/responses/default/content/application~1json/schema"
SYNC_TXN_STATUS = "/paths/~1registry~1sync~1txn~1status/post"
TXN_REQUEST_SCHEMA = SYNC_TXN_STATUS + "/requestBody/content/application~1json/schema"
TXN_RESPONSE_SCHEMA = SYNC_TXN_STATUS + "/responses/default/content/application~1json/schema"
ACK_SCHEMA = "/components/responses/Response/content/application~1json/schema"
HTTP_ERROR_SCHEMA = "/components/responses/HttpErrorResponse/content/application~1json/schema"


def request_schema(path):
    """Pointer to the JSON request body schema of the spec's ``path`` (e.g. /registry/on-search)."""
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/post/requestBody/content/application~1json/schema"


def private_key(kind="ec"):
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)


def spdci_signature(envelope, key, sender_id=None, created=None, expires=None, key_id="key-1"):
    """The spec's ``Signature:`` string form of ``envelope`` ({header, message}) with an Ed25519 ``key``,
    built as the module readme says, independently of the module's code."""
    created = int(time.time()) if created is None else created
    expires = created + 600 if expires is None else expires
    canonical = json.dumps(
        {"header": envelope["header"], "message": envelope["message"]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    digest = base64.b64encode(hashlib.blake2b(canonical.encode(), digest_size=64).digest()).decode()
    signed = f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}"
    signature = base64.b64encode(key.sign(signed.encode())).decode()
    sender_id = sender_id or envelope["header"]["sender_id"]
    return (
        f'Signature: namespace="spdci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519", '
        f'created="{created}", expires="{expires}", headers="(created) (expires) digest", signature="{signature}"'
    )


def public_pem(key):
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DciCase(G2PApiCase):
    endpoint_xmlid = "g2p_dci_search.fastapi_endpoint_dci"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = private_key("ec")
        cls.client, cls.secret = cls._create_client(
            "Social protection MIS",
            scopes=["dci:search"],
            dci_sender_id="spmis.example.org",
            public_key=public_pem(cls.key),
        )
        cls.request_validator = spec_validator(REQUEST_SCHEMA)
        cls.response_validator = spec_validator(RESPONSE_SCHEMA)

    @classmethod
    def _people(cls, count, given_name, family_name, id_prefix, birthdate=lambda i: "1980-05-01"):
        """``count`` individuals: ``given_name`` with their number (``Name00``, or ``Name000`` from 100),
        ``family_name``, ``birthdate(number)`` and the national id ``id_prefix`` + the number on 4 digits."""
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        width = 3 if count >= 100 else 2
        return cls.env["res.partner"].create(
            [
                {
                    "is_registrant": True,
                    "given_name": f"{given_name}{i:0{width}d}",
                    "family_name": family_name,
                    "birthdate": birthdate(i),
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"{id_prefix}{i:04d}"})],
                }
                for i in range(count)
            ]
        )

    def item(self, query_type, query, reg_type="Individual", reference_id=None, **criteria):
        return {
            "reference_id": reference_id or str(uuid.uuid4()),
            "timestamp": now(),
            "search_criteria": dict({"reg_type": reg_type, "query_type": query_type, "query": query}, **criteria),
        }

    def envelope(self, items, key=None, algorithm="ES256", sender="spmis.example.org", **header):
        header = dict(
            {
                "version": "1.0.0",
                "message_id": str(uuid.uuid4()),
                "message_ts": now(),
                "action": "search",
                "sender_id": sender,
                "receiver_id": "registry.g2p",
                "total_count": len(items),
                "is_msg_encrypted": False,
            },
            **header,
        )
        message = {"transaction_id": str(uuid.uuid4())[:30], "search_request": items}
        signature = jwt.encode({"header": header, "message": message}, key or self.key, algorithm=algorithm)
        return {"signature": signature, "header": header, "message": message}

    def signed_envelope(self, action, message, total_count, key=None, **header):
        header = dict(
            {
                "version": "1.0.0",
                "message_id": str(uuid.uuid4()),
                "message_ts": now(),
                "action": action,
                "sender_id": "spmis.example.org",
                "receiver_id": "registry.g2p",
                "total_count": total_count,
                "is_msg_encrypted": False,
            },
            **header,
        )
        signature = jwt.encode({"header": header, "message": message}, key or self.key, algorithm="ES256")
        return {"signature": signature, "header": header, "message": message}

    def household_with_a_silent_member(self, family_name):
        """(household, member who consented, member who did not): the household consented, for this client.
        Skips the test when g2p_api_consent is not installed."""
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        Partner = self.env["res.partner"]
        shown, hidden = Partner.create(
            [
                {"is_registrant": True, "given_name": "Shown", "family_name": family_name},
                {"is_registrant": True, "given_name": "Hiddenna", "family_name": family_name},
            ]
        )
        household = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": f"{family_name} household",
                "group_member_ids": [(0, 0, {"individual_id": shown.id}), (0, 0, {"individual_id": hidden.id})],
            }
        )
        self.grant_consent(household, shown)
        return household, shown, hidden

    def grant_consent(self, *partners, evidence="F-DCI"):
        """Active consents of each of ``partners`` for this client, scope dci:search (needs g2p_api_consent)."""
        return self._consents(partners, evidence)

    @classmethod
    def _consents(cls, partners, evidence):
        return cls.env["g2p.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_eligibility_verification").id,
                    "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_dci_search").ids)],
                    "evidence_reference": evidence,
                }
                for partner in partners
            ]
        )

    @classmethod
    def _people_behind_each_rule(cls, count, family_name, shown_prefix, hidden_prefix, evidence):
        """(``count`` individuals this client may read under consent, the four others each hidden by one rule:
        in another company, archived, consent withdrawn, never consented). The client reads under consent."""
        cls.client.legal_basis_enabled = False
        shown = cls._people(count, "Shown", family_name, shown_prefix)
        other_company, archived, withdrawn, never = cls._people(4, "Hidden", family_name, hidden_prefix)
        other_company.company_id = cls.env["res.company"].create({"name": "Another registry"})
        consents = cls._consents(shown | other_company | archived | withdrawn, evidence)
        consents.filtered(lambda consent: consent.partner_id == withdrawn).action_withdraw()
        archived.active = False
        return shown, other_company | archived | withdrawn | never

    def _api_env(self):
        """The environment of a call: the endpoint's technical user in the endpoint's company."""
        company = self.endpoint.company_id or self.env.company
        return self.env(user=self.endpoint.user_id, context=dict(self.env.context, allowed_company_ids=[company.id]))

    def assert_untrusted(self, response, code):
        """A message whose sender or signature cannot be trusted: HTTP 403 with the spec's error body
        (``HttpErrorResponse`` and ERR acknowledgement) carrying the spec's ``err.*`` code, nothing recorded."""
        self.assertEqual(response.status_code, 403, response.text)
        body = response.json()
        spec_validator(HTTP_ERROR_SCHEMA).validate(body)
        spec_validator(ACK_SCHEMA).validate(body)
        self.assertEqual((body["errors"][0]["code"], body["message"]["error"]["code"]), (code, code))
        self.assertFalse(body["message"]["error"]["message"].startswith("err."), "the message is the human text")
        return body

    def search(self, envelope, validate=True, client=None, secret=None):
        if validate:
            self.request_validator.validate(envelope)
        with self._api() as api:
            response = api.post(
                "/dci/registry/sync/search",
                json=envelope,
                headers=self._auth(client or self.client, secret or self.secret),
            )
        if response.status_code == 200 and validate:
            self.response_validator.validate(response.json())
        return response


JOBS = ["g2p.dci.transaction", "g2p.api.delivery"]
CALLBACK_PATHS = {
    "on-search": "/registry/on-search",
    "on-subscribe": "/registry/on-subscribe",
    "on-unsubscribe": "/registry/on-unsubscribe",
    "txn-on-status": "/registry/txn/on-status",
    "notify": "/registry/notify",
}


class DciRulesCase(DciCase):
    """A client reading under consent, individuals it may read (``shown``) and four it may not, each hidden by
    one rule (``hidden``: another company, archived, consent withdrawn, never consented); skipped without
    g2p_api_consent. ``PEOPLE``: (count shown, family name, national id prefix of the shown, of the hidden)."""

    PEOPLE = (3, "Rules", "6910", "6920")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "g2p.consent" in cls.env:
            cls.shown, cls.hidden = cls._people_behind_each_rule(*cls.PEOPLE, f"F-{cls.PEOPLE[1].upper()}")

    def setUp(self):
        super().setUp()
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")


class DciAsyncCase(DciCase):
    """The asynchronous calls: the client's callbacks go to a real HTTP receiver on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = Receiver().__enter__()
        cls.addClassCleanup(cls.receiver.__exit__, None, None, None)
        cls._allow_outbound_hosts(cls.receiver.host_port)
        cls.client.write(
            {
                "dci_callback_url": cls.receiver.url + "/spmis/dci",
                "dci_callback_allow_http": True,
                "scope_ids": [(4, cls.env.ref("g2p_dci_search.scope_dci_subscribe").id)],
            }
        )
        cls.ack_validator = spec_validator(ACK_SCHEMA)
        cls.registry_key = cls.env["g2p.api.signing.key"]._ensure_active_key("message")._public_key()

    def setUp(self):
        super().setUp()
        self.receiver.requests.clear()
        self.receiver.responses.clear()

    # --- helpers ---------------------------------------------------------------------------------
    def post(self, path, envelope, client=None, secret=None, headers=None, validate=True):
        """POST an envelope (spec-valid unless told); the answer must be the spec's ACK/ERR acknowledgement."""
        if validate:
            spec_validator(request_schema(path)).validate(envelope)
        with self._api() as api:
            response = api.post(
                "/dci" + path,
                json=envelope,
                headers=headers if headers is not None else self._auth(client or self.client, secret or self.secret),
            )
        if response.status_code == 200:
            self.ack_validator.validate(response.json())
        return response

    def ack(self, path, envelope, status="ACK", validate=True):
        response = self.post(path, envelope, validate=validate)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["message"]["ack_status"], status, response.text)
        return response.json()["message"]

    def subscribe_envelope(
        self, reg_event_type="REGISTER", query=None, reg_type="Individual", reference_id=None, **criteria
    ):
        item = {
            "reference_id": reference_id or str(uuid.uuid4()),
            "timestamp": now(),
            "subscribe_criteria": dict(
                {
                    "reg_type": reg_type,
                    "reg_event_type": reg_event_type,
                    "filter_type": "expression",
                    "filter": query if query is not None else {"family_name": "Asyncson"},
                    "notify_record_type": "spdci:SRPerson" if reg_type == "Individual" else "spdci:Group",
                },
                **criteria,
            ),
        }
        return self.signed_envelope(
            "subscribe", {"transaction_id": str(uuid.uuid4())[:30], "subscribe_request": [item]}, 1
        )

    def subscribe(self, *args, **kwargs):
        self.ack("/registry/subscribe", self.subscribe_envelope(*args, **kwargs))
        (callback,) = self.callbacks()
        return callback["message"]["subscribe_response"][0]

    def callbacks(self):
        """Run the jobs as the runner would; every callback received, checked against the spec and signature."""
        self.commit_events()
        self.run_jobs(JOBS)
        received = []
        for request in self.receiver.requests:
            body = json.loads(request["body"])
            action = body["header"]["action"]
            self.assertEqual(request["path"], "/spmis/dci" + CALLBACK_PATHS[action])
            spec_validator(request_schema(CALLBACK_PATHS[action])).validate(body)
            claims = jwt.decode(body["signature"], self.registry_key, algorithms=["ES256"])
            self.assertEqual(claims, {"header": body["header"], "message": body["message"]})
            received.append(body)
        self.receiver.requests.clear()
        return received

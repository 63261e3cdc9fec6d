import os
import uuid
from datetime import UTC, datetime
from functools import lru_cache

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

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


def request_schema(path):
    """Pointer to the JSON request body schema of the spec's ``path`` (e.g. /registry/on-search)."""
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/post/requestBody/content/application~1json/schema"


def private_key(kind="ec"):
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DciCase(G2PApiCase):
    endpoint_xmlid = "g2p_dci_search.fastapi_endpoint_dci"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = private_key("ec")
        cls.client, cls.secret = cls._create_client(
            "Social protection MIS", scopes=["dci:search"], dci_sender_id="spmis.example.org", public_key=public_pem(cls.key))
        cls.request_validator = spec_validator(REQUEST_SCHEMA)
        cls.response_validator = spec_validator(RESPONSE_SCHEMA)

    def item(self, query_type, query, reg_type="Individual", reference_id=None, **criteria):
        return {"reference_id": reference_id or str(uuid.uuid4()), "timestamp": now(),
                "search_criteria": dict({"reg_type": reg_type, "query_type": query_type, "query": query}, **criteria)}

    def envelope(self, items, key=None, algorithm="ES256", sender="spmis.example.org", **header):
        header = dict({"version": "1.0.0", "message_id": str(uuid.uuid4()), "message_ts": now(), "action": "search",
                       "sender_id": sender, "receiver_id": "registry.g2p", "total_count": len(items),
                       "is_msg_encrypted": False}, **header)
        message = {"transaction_id": str(uuid.uuid4())[:30], "search_request": items}
        signature = jwt.encode({"header": header, "message": message}, key or self.key, algorithm=algorithm)
        return {"signature": signature, "header": header, "message": message}

    def signed_envelope(self, action, message, total_count, key=None, **header):
        header = dict({"version": "1.0.0", "message_id": str(uuid.uuid4()), "message_ts": now(), "action": action,
                       "sender_id": "spmis.example.org", "receiver_id": "registry.g2p", "total_count": total_count,
                       "is_msg_encrypted": False}, **header)
        signature = jwt.encode({"header": header, "message": message}, key or self.key, algorithm="ES256")
        return {"signature": signature, "header": header, "message": message}

    def search(self, envelope, validate=True, client=None, secret=None):
        if validate:
            self.request_validator.validate(envelope)
        with self._api() as api:
            response = api.post("/dci/registry/sync/search", json=envelope,
                                headers=self._auth(client or self.client, secret or self.secret))
        if response.status_code == 200 and validate:
            self.response_validator.validate(response.json())
        return response

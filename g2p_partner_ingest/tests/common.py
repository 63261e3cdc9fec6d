import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


def public_pem(key):
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class IngestCase(G2PApiCase):
    endpoint_xmlid = "g2p_partner_ingest.fastapi_endpoint_ingest"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = ec.generate_private_key(ec.SECP256R1())
        cls.client, cls.secret = cls._create_client(
            "Kobo collect",
            scopes=["individual:read"],
            partner_mnemonic="KOBO",
            public_key=public_pem(cls.key),
            default_source_system="kobo",
        )
        cls.Raw = cls.env["g2p.ingest.raw"]
        cls.CR = cls.env["g2p.change.request"]
        # every test starts from an empty pipeline: items the demo data took through it are set
        # aside (in the test's transaction, rolled back after)
        cls.Raw.search([]).unlink()

    @staticmethod
    def person(nid="90000001", first="Grace", last="Kamau", dob="1992-05-17", sex="F", village="Zomba"):
        return {"first_name": first, "last_name": last, "dob": dob, "sex": sex, "national_id": nid, "village": village}

    @staticmethod
    def signature(message, key, message_id, algorithm="ES256", issued_at=None):
        """The partner's JWS: the message object plus the claims binding it to its message id and time."""
        claims = dict(message, jti=message_id, iat=int(issued_at if issued_at is not None else time.time()))
        return jwt.encode(claims, key, algorithm=algorithm)

    def body(self, message, key=None, algorithm="ES256", message_id=None, sender="KOBO", sign=True, issued_at=None):
        body = {"header": {"message_id": message_id or str(uuid.uuid4()), "sender_id": sender}, "message": message}
        if sign:
            body["signature"] = self.signature(
                message, key or self.key, body["header"]["message_id"], algorithm, issued_at
            )
        return body

    def post(self, body, params=None, raw=None):
        with self._api() as api:
            if raw is not None:
                return api.post(
                    "/partner/ingest_data",
                    content=raw,
                    params=params or {},
                    headers={"Content-Type": "application/json"},
                )
            return api.post("/partner/ingest_data", json=body, params=params or {})

    def run_jobs(self, model_names=("g2p.ingest.raw", "g2p.change.request")):
        return super().run_jobs(list(model_names))

    def ingest(self, body, params=None):
        """POST and run the whole pipeline; returns (response JSON, raw rows)."""
        response = self.post(body, params)
        self.assertEqual(response.status_code, 200, response.text)
        self.run_jobs()
        data = response.json()
        correlation_id = (data.get("response_header") or {}).get("correlation_id") or data.get("ack", {}).get("ref")
        return data, self.Raw.search([("correlation_id", "=", correlation_id)], order="item_index")

    @staticmethod
    def proposed(request):
        return json.loads(request.proposed_values)

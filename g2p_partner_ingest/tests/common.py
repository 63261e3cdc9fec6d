import json
import re
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
            scopes=["individual:read", "ingest:write"],
            partner_mnemonic="KOBO",
            public_key=public_pem(cls.key),
            default_source_system="kobo",
        )
        cls.Raw = cls.env["g2p.ingest.raw"]
        cls.CR = cls.env["g2p.change.request"]
        # every test starts from an empty pipeline: items the demo data took through it are set
        # aside (in the test's transaction, rolled back after)
        cls.Raw.search([]).unlink()
        # and should any remain, they are not counted as the tests'
        cls.received_before = cls.Raw.search([]).ids

    @classmethod
    def person_list_model(cls, mnemonic):
        """A copy of PERSON_JSON taking a list of people (``$.body.message.people``), auto-approved."""
        person = cls.env.ref("g2p_partner_ingest.data_model_person_json")
        return person.copy(
            {
                "mnemonic": mnemonic,
                "is_list": True,
                "key_path_list_elements": "$.body.message.people",
                "transformation_template": person.transformation_template.replace(
                    "{% set p = item.person %}", "{% set p = item %}"
                ),
                "auto_approve": True,
                "detection_pattern_ids": False,
            }
        )

    def received_count(self):
        """How many items were received since the class started (the demo's are not counted)."""
        return self.Raw.search_count([("id", "not in", self.received_before)])

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


def household_under_review(env, suffix="1"):
    """A household of three and a pending UPDATE (made as the pipeline makes it) in which the head's family
    name changes and he shows a passport, the spouse is as she was, the child is left out and a baby is added."""
    Partner, Code = env["res.partner"], env["g2p.vocabulary.code"]
    national_id = env.ref("g2p_partner_api.id_type_national_id")

    def code(vocabulary, value):
        return Code._resolve(f"urn:g2p:vocab:{vocabulary}", value)

    def person(given, birthdate, gender, nid):
        return Partner.create(
            {
                "is_registrant": True,
                "given_name": given,
                "family_name": "Otieno",
                "birthdate": birthdate,
                "gender_id": code("gender", gender).id,
                "reg_id_ids": [(0, 0, {"id_type_id": national_id.id, "value": nid})],
            }
        )

    musa = person("Musa", "1980-02-01", "male", f"97{suffix}1001")
    ruth = person("Ruth", "1984-07-09", "female", f"97{suffix}1002")
    john = person("John", "2010-05-05", "male", f"97{suffix}1003")
    household = Partner.create(
        {
            "is_registrant": True,
            "is_group": True,
            "is_company": True,
            "name": f"Otieno household {suffix}",
            "city": "Kasungu",
            "reg_id_ids": [
                (0, 0, {"id_type_id": env.ref("g2p_partner_api.id_type_household_id").id, "value": f"HH-RV{suffix}"})
            ],
            "group_member_ids": [
                (0, 0, {"individual_id": p.id, "kind_ids": [(6, 0, code("group-membership-kind", kind).ids)]})
                for p, kind in ((musa, "head"), (ruth, "spouse"), (john, "child"))
            ],
        }
    )

    def member(given, birthdate, gender, identifiers, kind, family="Otieno"):
        return {
            "given_name": given,
            "family_name": family,
            "birthdate": birthdate,
            "gender": gender,
            "identifiers": [{"system": system, "value": value} for system, value in identifiers],
            "kinds": [kind],
        }

    proposed = {
        "name": household.name,
        "city": "Kasungu",
        "identifiers": [{"system": "urn:g2p:id:household-id", "value": f"HH-RV{suffix}"}],
        "members": [
            member("Neo", "2025-03-03", "female", [("urn:g2p:id:national-id", f"97{suffix}1004")], "child"),
            member("Ruth", "1984-07-09", "female", [("urn:g2p:id:national-id", f"97{suffix}1002")], "spouse"),
            member(
                "Musa",
                "1980-02-01",
                "male",
                [("urn:g2p:id:national-id", f"97{suffix}1001"), ("urn:g2p:id:passport", f"MW{suffix}234567")],
                "head",
                family="Otieno-Banda",
            ),
        ],
    }
    CR = env["g2p.change.request"].sudo()
    request = CR.create(
        {
            "operation": "update",
            "target": "group",
            "registrant_id": household.id,
            "proposed_values": json.dumps(proposed, indent=1),
            "current_values": json.dumps(CR._snapshot(household), indent=1),
        }
    )
    return request, {"musa": musa, "ruth": ruth, "john": john, "household": household}


def text_of(html):
    """The diff as a reader sees it: tags dropped, one space between cells."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(html)))

import re
import uuid

import jwt

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_dci_search.tests.common import RESPONSE_SCHEMA, now, spec_validator
from odoo.addons.g2p_partner_api.tests.http_receiver import Receiver
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase

DB_ID_KEYS = re.compile(r'"(id|partner_id|group_id|individual_id|program_id|client_id|res_id)"\s*:\s*\d+')


@tagged("post_install", "-at_install")
class TestPartnerJourney(IngestCase):
    """A household registered by a data-collection tool, approved by staff, announced to a payment
    provider, then found by a DCI participant — and hidden from it until the household consents."""

    def test_household_from_ingest_to_dci(self):
        approver = new_test_user(self.env, "journey_approver", groups="g2p_partner_api.group_registry_approver")
        payments, payments_secret = self._create_client("Payments", scopes=["group:read"], legal_basis=None)
        dci_key = self.key
        dci, dci_secret = self._create_client(
            "SP-MIS",
            scopes=["dci:search"],
            dci_sender_id="spmis.example.org",
            public_key=self.client.public_key,
            legal_basis=None,
        )
        with Receiver() as receiver:
            self._allow_outbound_hosts(receiver.host_port)
            subscription = self.env["g2p.api.subscription"].create(
                {
                    "name": "Payments feed",
                    "client_id": payments.id,
                    "target_url": receiver.url + "/events",
                    "allow_insecure": True,
                    "max_attempts": 2,
                    "event_type_ids": [
                        (
                            6,
                            0,
                            self.env["g2p.api.event.type"]
                            .search([("code", "in", ["group.updated", "change_request.applied"])])
                            .ids,
                        )
                    ],
                }
            )
            households = [
                {
                    "household_id": "HH-JOURNEY-1",
                    "name": "Journey household",
                    "village": "Mzuzu",
                    "members": [
                        {
                            "first_name": "Aisha",
                            "last_name": "Journey",
                            "national_id": "98000001",
                            "sex": "F",
                            "relationship": "head",
                        }
                    ],
                }
            ]
            data, rows = self.ingest(self.body({"households": households}))
            self.assertEqual(data["ack"]["status"], "SUCCESS")
            request = rows.change_request_id
            self.assertEqual(request.state, "pending")
            self.commit_events()
            self.assertFalse(subscription.delivery_ids, "nothing is announced before approval")

            request.with_user(approver).action_approve()
            self.commit_events()
            self.run_jobs(["g2p.api.delivery"])
            # a REST read of the household by the payment provider would be refused: nothing about it leaves
            self.assertFalse(
                subscription.delivery_ids or receiver.requests, "no consent yet: not even a redacted event"
            )

        household = request.registrant_id

        def dci_search():
            envelope = DciEnvelope(self, dci_key).build({"HouseholdID": "HH-JOURNEY-1"})
            with self._api(self.env.ref("g2p_dci_search.fastapi_endpoint_dci")) as api:
                response = api.post("/dci/registry/sync/search", json=envelope, headers=self._auth(dci, dci_secret))
            self.assertEqual(response.status_code, 200, response.text)
            spec_validator(RESPONSE_SCHEMA).validate(response.json())
            self.assertIsNone(DB_ID_KEYS.search(response.text), "no database id on the wire")
            return response.json()["message"]["search_response"][0]

        self.assertEqual(dci_search()["pagination"]["total_count"], 0, "no consent: the household is not found")
        self.env["g2p.consent"].create(
            {
                "partner_id": household.id,
                "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [
                    (
                        6,
                        0,
                        (
                            self.env.ref("g2p_partner_api.scope_dci_search")
                            | self.env.ref("g2p_partner_api.scope_group_read")
                        ).ids,
                    )
                ],
                "evidence_reference": "JOURNEY-FORM",
            }
        )
        found = dci_search()
        record = found["data"]["reg_records"][0]
        self.assertEqual(
            (record["additional_attributes"], record["@id"]),
            ([{"group_name": "Journey household"}], f"urn:uuid:{household.uuid}"),
        )
        self.assertNotIn("member_list", record, "the member has not consented: left out (empty fields are omitted)")
        with self._api(self.rest_endpoint) as api:
            body = api.get(f"/api/v2/Group/{household.uuid}", headers=self._auth(payments, payments_secret)).json()
        self.assertEqual((body["name"], body["members"]), ("Journey household", []))
        self.assertEqual(household.source_client_id, self.client, "provenance: the data-collection tool")


class DciEnvelope:
    def __init__(self, case, key):
        self.case, self.key = case, key

    def build(self, id_query):
        ((id_type, value),) = id_query.items()
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": now(),
            "action": "search",
            "sender_id": "spmis.example.org",
            "receiver_id": "registry.g2p",
            "total_count": 1,
        }
        message = {
            "transaction_id": "journey",
            "search_request": [
                {
                    "reference_id": str(uuid.uuid4()),
                    "timestamp": now(),
                    "search_criteria": {
                        "reg_type": "Household",
                        "query_type": "idtype-value",
                        "query": {"type": id_type, "value": value},
                    },
                }
            ],
        }
        return {
            "signature": jwt.encode({"header": header, "message": message}, self.key, algorithm="ES256"),
            "header": header,
            "message": message,
        }

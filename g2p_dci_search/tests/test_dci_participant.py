"""An SPDCI participant that knows only the spec, end to end through the mounted app."""

import copy
import uuid

import yaml

from odoo.tests import tagged

from .common import (
    SPEC_PATH,
    SYNC_SEARCH,
    SYNC_TXN_STATUS,
    DciAsyncCase,
    now,
    private_key,
    public_pem,
    spdci_signature,
    spec_validator,
)

SEARCH_QUERIES = (
    "components",
    "schemas",
    "SearchRequest",
    "properties",
    "search_request",
    "items",
    "properties",
    "search_criteria",
    "properties",
    "query",
    "anyOf",
)
FILTERS = ("components", "schemas", "SubscriptionInfo", "properties", "filter", "anyOf")
INFO = ("components", "schemas", "SubscriptionInfo", "properties")
HEADER = ("components", "schemas", "MsgHeader_V1.0.0", "properties")
SYNC_RESPONSE = "/responses/default/content/application~1json/schema"


@tagged("post_install", "-at_install")
class TestSpdciParticipant(DciAsyncCase):
    """Requests built from the spec's examples only (no reg_type, reg_record_type or response_entity,
    the spec's ``Signature:`` string form with an Ed25519 key); every answer and callback checked
    against the spec; the identifiers received are searched again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(SPEC_PATH) as spec_file:
            cls.spec = yaml.safe_load(spec_file)
        cls.ed_key = private_key("ed25519")
        cls.client.public_key = public_pem(cls.ed_key)
        Partner = cls.env["res.partner"]
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.head, cls.child = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": "Participa",
                    "birthdate": birthdate,
                    "city": "Participantville",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": value})],
                }
                for given, birthdate, value in (("Pat", "1980-05-20", "66600001"), ("Kit", "2012-09-22", "66600002"))
            ]
        )
        cls.household = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Participa household",
                "city": "Participantville",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_household_id").id, "value": "HH-PART-1"})
                ],
                "group_member_ids": [(0, 0, {"individual_id": cls.head.id}), (0, 0, {"individual_id": cls.child.id})],
            }
        )

    # --- what the spec's examples give ------------------------------------------------------------
    def example(self, *path):
        node = self.spec
        for key in path:
            node = node[key]
        return copy.deepcopy(node)

    def idtype_value_query(self, value):
        query = self.example(*FILTERS, 1, "properties")
        return {"type": query["type"]["example"], "value": value}  # UIN

    def expression_query(self, location):
        query = self.example(*SEARCH_QUERIES, 0, "properties")
        expression = query["value"]["example"]["expression"]
        # the example also filters on poverty_score, which this registry does not hold, and on group_size, which
        # it does not search on (a size counts members the participant may not read)
        conditions = [c for c in expression["query"]["$and"] if not {"poverty_score", "group_size"} & set(c)]
        for condition in conditions:
            if "location" in condition:
                condition["location"]["$eq"] = location
        expression["query"]["$and"] = conditions
        return {"type": query["type"]["example"], "value": {"expression": expression}}

    def search_item(self, query_type, query):
        return {
            "reference_id": str(uuid.uuid4()),
            "timestamp": now(),
            "search_criteria": {"query_type": query_type, "query": query},
            "locale": self.example(*INFO, "locale", "example"),
        }

    def signed(self, action, message, total_count):
        header = {key: self.example(*HEADER, key, "example") for key in ("sender_id", "receiver_id")}
        header.update(
            version="1.0.0", message_id=str(uuid.uuid4()), message_ts=now(), action=action, total_count=total_count
        )
        envelope = {"header": header, "message": message}
        envelope["signature"] = spdci_signature(envelope, self.ed_key)
        return envelope

    def sync(self, spec_path, path, envelope):
        with self._api() as api:
            response = api.post("/dci" + path, json=envelope, headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        spec_validator(spec_path + SYNC_RESPONSE).validate(response.json())
        return response.json()

    # --- the participant --------------------------------------------------------------------------
    def test_participant_from_the_spec(self):
        self.assertEqual(self.client.dci_sender_id, self.example(*HEADER, "sender_id", "example"))
        transaction_id = self.example(
            "components", "schemas", "SearchRequest", "properties", "transaction_id", "example"
        )
        items = [
            self.search_item("idtype-value", self.idtype_value_query("66600001")),
            self.search_item("expression", self.expression_query("Participantville")),
        ]
        search = self.signed("search", {"transaction_id": str(transaction_id), "search_request": items}, 2)
        answer = self.sync(SYNC_SEARCH, "/registry/sync/search", search)
        self.assertEqual((answer["header"]["status"], answer["header"]["completed_count"]), ("succ", 2), answer)
        person_result, group_result = answer["message"]["search_response"]
        self.assertEqual([r["locale"] for r in (person_result, group_result)], ["eng", "eng"])
        (person,) = person_result["data"]["reg_records"]
        (group,) = group_result["data"]["reg_records"]
        self.assertEqual((person["@type"], group["@type"], group["group_size"]), ("spdci:SRPerson", "spdci:Group", 2))

        # every identifier received, searched again (asynchronously): each finds the record it came from
        identifiers = [(i, person["@id"]) for i in person["identifier"]]
        identifiers += [(i, group["@id"]) for i in group["group_identifier"]]
        identifiers += [(i, m["@id"]) for m in group["member_list"] for i in m["member_identifier"]]
        self.assertEqual(len(identifiers), 4)
        again = self.signed(
            "search",
            {
                "transaction_id": "participant-2",
                "search_request": [
                    self.search_item("idtype-value", {"type": i["identifier_type"], "value": i["identifier_value"]})
                    for i, _record_id in identifiers
                ],
            },
            len(identifiers),
        )
        search_ack = self.ack("/registry/search", again, validate=False)
        (on_search,) = self.callbacks()
        self.assertEqual(on_search["message"]["correlation_id"], search_ack["correlation_id"])
        found = [
            [r["@id"] for r in result["data"]["reg_records"]] for result in on_search["message"]["search_response"]
        ]
        self.assertEqual(found, [[record_id] for _identifier, record_id in identifiers])

        # subscribe to new registrants with a UIN, be notified, ask the status, unsubscribe
        subscribe = self.signed(
            "subscribe",
            {
                "transaction_id": "participant-3",
                "subscribe_request": [
                    {
                        "reference_id": str(uuid.uuid4()),
                        "timestamp": now(),
                        "subscribe_criteria": {
                            "reg_event_type": "REGISTER",
                            "filter_type": "idtype-value",
                            "filter": self.idtype_value_query("66600003"),
                            "notify_record_type": self.example(*INFO, "notify_record_type", "example"),
                        },
                    }
                ],
            },
            1,
        )
        subscribe_ack = self.ack("/registry/subscribe", subscribe)
        (on_subscribe,) = self.callbacks()
        self.assertEqual(on_subscribe["message"]["correlation_id"], subscribe_ack["correlation_id"])
        (subscribed,) = on_subscribe["message"]["subscribe_response"]
        self.assertEqual(subscribed["status"], "succ", subscribed)
        code = subscribed["subscriptions"][0]["code"]
        self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Newa",
                "family_name": "Participa",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "66600003"})
                ],
            }
        )
        (notify,) = self.callbacks()
        (event,) = notify["message"]["notify_event"]
        self.assertEqual(
            (event["reference_id"], event["data"]["reg_records"]["identifier"][0]["identifier_value"]),
            (code, "66600003"),
        )

        status_message = {
            "transaction_id": "participant-4",
            "txnstatus_request": {
                "reference_id": str(uuid.uuid4()),
                "txn_type": "search",
                "attribute_type": "transaction_id",
                "attribute_value": "participant-2",
            },
        }
        status_ack = self.ack("/registry/txn/status", self.signed("txn-status", status_message, 1))
        (on_status,) = self.callbacks()
        self.assertEqual(
            (on_status["header"]["status"], on_status["message"]["correlation_id"]),
            ("succ", status_ack["correlation_id"]),
        )
        self.assertEqual(len(on_status["message"]["txnstatus_response"]["txn_status"]["search_response"]), 4)
        sync_status = self.sync(
            SYNC_TXN_STATUS,
            "/registry/sync/txn/status",
            self.signed("txn-status", dict(status_message, transaction_id="participant-5"), 1),
        )
        self.assertEqual(sync_status["header"]["status"], "succ")

        unsubscribe = self.signed(
            "unsubscribe", {"transaction_id": "participant-6", "timestamp": now(), "subscription_codes": [code]}, 1
        )
        unsubscribe_ack = self.ack("/registry/unsubscribe", unsubscribe)
        (on_unsubscribe,) = self.callbacks()
        self.assertEqual(
            (on_unsubscribe["message"]["status"], on_unsubscribe["message"]["correlation_id"]),
            ("succ", unsubscribe_ack["correlation_id"]),
        )

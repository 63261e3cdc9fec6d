import uuid
from collections import Counter
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import LATE_EVENING_UTC

from ..services import dci_checks
from .common import HTTP_ERROR_SCHEMA, DciAsyncCase, now, private_key, request_schema, spec_validator


@tagged("post_install", "-at_install")
class TestDciAsync(DciAsyncCase):
    """The asynchronous SPDCI calls through the mounted app, answered to a real HTTP receiver."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.nid = nid
        cls.people = cls.env["res.partner"].create(
            [
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": "Asyncson",
                    "birthdate": birthdate,
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"88800{i:03d}"})],
                }
                for i, (given, birthdate) in enumerate(
                    [("Ama", "1981-02-03"), ("Bo", "1992-04-05"), ("Cy", "2003-06-07")]
                )
            ]
        )

    def _other_mis(self):
        """A second subscriber (``other.mis``, called back on the receiver): (client, clear secret)."""
        return self._create_client(
            "Other MIS",
            scopes=["dci:subscribe"],
            dci_sender_id="other.mis",
            dci_verify_signature=False,
            dci_callback_url=self.receiver.url + "/spmis/dci",
            dci_callback_allow_http=True,
        )

    # --- search ----------------------------------------------------------------------------------
    def test_search_acknowledged_then_answered_on_search(self):
        items = [
            self.item(
                "expression",
                {"family_name": "Asyncson", "birth_date": {"$gte": "1990-01-01"}},
                reference_id="a-1",
                sort=[{"attribute_name": "birth_date", "sort_order": "asc"}],
            ),
            self.item("idtype-value", {"type": "UIN", "value": "88800000"}, reference_id="a-2"),
        ]
        envelope = self.envelope(items)
        ack = self.ack("/registry/search", envelope)
        transaction = self.env["g2p.dci.transaction"].search([("correlation_id", "=", ack["correlation_id"])])
        self.assertEqual(
            (transaction.mode, transaction.status, transaction.item_ids.mapped("status")),
            ("async", "pdng", ["pdng", "pdng"]),
        )
        self.assertFalse(self.receiver.requests, "nothing is sent before the job runs")
        (callback,) = self.callbacks()
        header, message = callback["header"], callback["message"]
        self.assertEqual(
            (header["action"], header["status"], header["message_id"], header["receiver_id"]),
            ("on-search", "succ", envelope["header"]["message_id"], "spmis.example.org"),
        )
        self.assertEqual((header["total_count"], header["completed_count"]), (2, 2))
        self.assertEqual(
            (message["transaction_id"], message["correlation_id"]),
            (envelope["message"]["transaction_id"], ack["correlation_id"]),
        )
        first, second = message["search_response"]
        self.assertEqual([r["name"]["given_name"] for r in first["data"]["reg_records"]], ["Bo", "Cy"])
        self.assertEqual(first["pagination"]["total_count"], 2)
        self.assertEqual([r["name"]["given_name"] for r in second["data"]["reg_records"]], ["Ama"])
        self.assertEqual((transaction.status, transaction.completed_count), ("succ", 2))
        self.assertEqual(transaction.delivery_ids.mapped("state"), ["sent"])
        self.assertFalse(transaction.sudo().request_envelope, "the query is dropped once answered")

    def test_sender_uri_under_registered_url_is_used_others_refused(self):
        envelope = self.envelope(
            [self.item("idtype-value", {"type": "UIN", "value": "88800001"})],
            sender_uri=self.receiver.url + "/spmis/dci/registry/on-search",
        )
        self.ack("/registry/search", envelope)
        self.assertEqual(len(self.callbacks()), 1)
        for uri in (
            "http://127.0.0.1:1/elsewhere/registry/on-search",
            self.receiver.url + "/other/on-search",
            self.receiver.url.replace("http://", "http://user:pw@") + "/spmis/dci/on-search",
        ):
            envelope = self.envelope([self.item("idtype-value", {"type": "UIN", "value": "88800001"})], sender_uri=uri)
            ack = self.ack("/registry/search", envelope, status="ERR")
            self.assertEqual(ack["error"]["code"], "err.sender_uri.invalid")
            self.assertFalse(
                self.env["g2p.dci.transaction"].search([("message_id", "=", envelope["header"]["message_id"])])
            )
        self.assertFalse(self.callbacks(), "nothing is posted to an address the client did not register")

    def test_sender_uri_is_normalised_before_the_prefix_check(self):
        base = self.receiver.url + "/spmis/dci"
        for uri in (
            base + "/../other/on-search",
            base + "/%2e%2e/other/on-search",
            base + "/..%2fother/on-search",
            base + "/registry/../../../other",
            base + "%2f..%2f..%2fother",
        ):
            envelope = self.envelope([self.item("idtype-value", {"type": "UIN", "value": "88800001"})], sender_uri=uri)
            ack = self.ack("/registry/search", envelope, status="ERR")
            self.assertEqual(ack["error"]["code"], "err.sender_uri.invalid", uri)
            self.assertFalse(
                self.env["g2p.dci.transaction"].search([("message_id", "=", envelope["header"]["message_id"])])
            )
        envelope = self.envelope(
            [self.item("idtype-value", {"type": "UIN", "value": "88800001"})],
            sender_uri=base + "/./registry/x/../on-search",
        )
        self.ack("/registry/search", envelope)
        (callback,) = self.callbacks()  # asserts it reached /spmis/dci/registry/on-search
        self.assertEqual(callback["header"]["action"], "on-search")
        self.assertEqual(
            self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]).callback_url,
            base + "/registry/on-search",
        )

    def test_answer_goes_out_even_if_the_callback_url_is_removed_after_the_ack(self):
        self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Asyncson"})]))
        self.client.dci_callback_url = False
        (callback,) = self.callbacks()
        self.assertEqual(callback["header"]["status"], "succ")

    def test_client_without_callback_url_gets_err(self):
        self.client.dci_callback_url = False
        ack = self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Asyncson"})]), "ERR")
        self.assertEqual(ack["error"]["code"], "err.sender_uri.invalid")

    def test_every_async_path_needs_a_bearer_token(self):
        bodies = {
            "/registry/search": self.envelope([self.item("expression", {"family_name": "Asyncson"})]),
            "/registry/subscribe": self.subscribe_envelope(),
            "/registry/unsubscribe": self.signed_envelope(
                "unsubscribe", {"transaction_id": "t-1", "timestamp": now(), "subscription_codes": ["x"]}, 1
            ),
            "/registry/txn/status": self.signed_envelope(
                "txn-status",
                {
                    "transaction_id": "t-2",
                    "txnstatus_request": {
                        "reference_id": "r",
                        "txn_type": "search",
                        "attribute_type": "transaction_id",
                        "attribute_value": "t-1",
                    },
                },
                1,
            ),
        }
        for path, body in bodies.items():
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                response = self.post(path, body, headers=headers)
                self.assertEqual(response.status_code, 401, path)
                self.assertEqual(response.json()["errors"][0]["code"], "err.request.unauthorized")
        searcher, secret = self._create_client("Search only", scopes=["dci:search"], dci_sender_id="search.only")
        response = self.post("/registry/subscribe", bodies["/registry/subscribe"], client=searcher, secret=secret)
        self.assertEqual(response.status_code, 403, "subscribing needs dci:subscribe")
        self.assertFalse(self.callbacks())

    def test_bad_signature_is_err_and_writes_nothing(self):
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"})], key=private_key("ec"))
        ack = self.ack("/registry/search", envelope, status="ERR")
        self.assertEqual(ack["error"]["code"], "err.signature.invalid")
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"})])
        envelope["message"]["search_request"][0]["search_criteria"]["query"] = {"family_name": "Tampered"}
        self.assertEqual(self.ack("/registry/search", envelope, status="ERR")["error"]["code"], "err.signature.invalid")
        self.assertFalse(self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]))
        self.assertFalse(self.callbacks())
        audit = self._audit_rows(correlation_id=ack["correlation_id"])
        self.assertEqual((audit.outcome, audit.error_code), ("failure", "err.signature.invalid"))

    def test_header_rejections_come_back_in_on_search(self):
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"})])
        self.ack("/registry/search", envelope)
        self.ack("/registry/search", envelope)  # the same message again
        bad_ts = self.envelope([self.item("expression", {"family_name": "Asyncson"})], message_ts="yesterday")
        self.ack("/registry/search", bad_ts)
        callbacks = {c["header"]["message_id"]: c for c in self.callbacks() if c["header"]["status"] == "rjct"}
        self.assertEqual(
            callbacks[envelope["header"]["message_id"]]["header"]["status_reason_code"], "rjct.message_id.duplicate"
        )
        self.assertEqual(
            callbacks[bad_ts["header"]["message_id"]]["header"]["status_reason_code"], "rjct.message_ts.invalid"
        )
        self.assertEqual(callbacks[bad_ts["header"]["message_id"]]["message"]["search_response"], [])

    def test_item_rejections_come_back_per_item(self):
        self.search(self.envelope([self.item("expression", {"family_name": "Asyncson"}, reference_id="used-once")]))
        items = [
            self.item("expression", {"family_name": "Asyncson"}, reference_id="used-once"),
            self.item("expression", {"family_name": "Asyncson"}, pagination={"page_size": 5000, "page_number": 1}),
            self.item("graphql", "{ person { name } }"),
            dict(self.item("expression", {"family_name": "Asyncson"}), timestamp="not a time"),
            self.item("expression", {"family_name": "Asyncson"}, reference_id="fine"),
        ]
        # an unknown query type and a bad item timestamp are outside the spec's request schema on purpose
        self.ack("/registry/search", self.envelope(items), validate=False)
        (callback,) = self.callbacks()
        results = callback["message"]["search_response"]
        self.assertEqual([r["status"] for r in results], ["rjct", "rjct", "rjct", "rjct", "succ"])
        self.assertEqual(
            [r.get("status_reason_code") for r in results[:4]],
            [
                "rjct.reference_id.duplicate",
                "rjct.pagination.invalid",
                "rjct.search_criteria.invalid",
                "rjct.timestamp.invalid",
            ],
        )
        self.assertEqual((callback["header"]["status"], callback["header"]["completed_count"]), ("succ", 1))

    def test_failed_callback_is_retried_and_logged(self):
        self.receiver.answer(503, {})
        self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Asyncson"})]))
        self.callbacks()
        delivery = self.env["g2p.api.delivery"].search([("event_type", "=", "dci.on-search")], limit=1)
        self.assertEqual((delivery.state, delivery.attempt_ids.mapped("status_code")), ("sent", [503, 200]))
        self.assertEqual(delivery.subscription_id, self.client.dci_callback_subscription_id)

    # --- txn status ------------------------------------------------------------------------------
    def test_txn_status_async(self):
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"}, reference_id="st-1")])
        self.ack("/registry/search", envelope)
        self.callbacks()
        query = {
            "transaction_id": "st-q",
            "txnstatus_request": {
                "reference_id": "st-q-1",
                "txn_type": "search",
                "attribute_type": "transaction_id",
                "attribute_value": envelope["message"]["transaction_id"],
            },
        }
        self.ack("/registry/txn/status", self.signed_envelope("txn-status", query, 1))
        (callback,) = self.callbacks()
        self.assertEqual((callback["header"]["action"], callback["header"]["status"]), ("txn-on-status", "succ"))
        status = callback["message"]["txnstatus_response"]["txn_status"]
        self.assertEqual(status["transaction_id"], envelope["message"]["transaction_id"])
        self.assertEqual([(i["reference_id"], i["status"]) for i in status["search_response"]], [("st-1", "succ")])
        query["txnstatus_request"]["attribute_value"] = "never-sent"
        self.ack("/registry/txn/status", self.signed_envelope("txn-status", query, 1))
        (callback,) = self.callbacks()
        self.assertEqual(callback["header"]["status"], "rjct")

    def test_txn_status_of_a_subscription(self):
        envelope = self.subscribe_envelope(reference_id="sub-ref-1")
        self.ack("/registry/subscribe", envelope)
        self.callbacks()
        query = {
            "transaction_id": "st-s",
            "txnstatus_request": {
                "reference_id": "st-s-1",
                "txn_type": "subscribe",
                "attribute_type": "reference_id_list",
                "attribute_value": ["sub-ref-1"],
            },
        }
        self.ack("/registry/txn/status", self.signed_envelope("txn-status", query, 1))
        (callback,) = self.callbacks()
        status = callback["message"]["txnstatus_response"]
        self.assertEqual(
            (status["txn_type"], status["txn_status"]["search_response"][0]["reference_id"]), ("subscribe", "sub-ref-1")
        )

    def test_txn_status_of_unknown_transactions_is_a_valid_answer(self):
        queries = [
            ("search", "transaction_id", "never-sent"),
            ("search", "correlation_id", "no-such-correlation"),
            ("subscribe", "reference_id_list", ["nobody", "knows"]),
            ("receipt", "transaction_id", "t-x"),
        ]
        for txn_type, attribute_type, value in queries:
            message = {
                "transaction_id": "st-u",
                "txnstatus_request": {
                    "reference_id": str(uuid.uuid4()),
                    "txn_type": txn_type,
                    "attribute_type": attribute_type,
                    "attribute_value": value,
                },
            }
            self.ack("/registry/txn/status", self.signed_envelope("txn-status", message, 1))
            (callback,) = self.callbacks()  # validated against the spec's TxnStatusResponse
            status = callback["message"]["txnstatus_response"]
            self.assertEqual(
                (callback["header"]["status"], status["txn_type"], status["txn_status"]["search_response"]),
                ("rjct", txn_type, []),
            )
            with self._api() as api:
                response = api.post(
                    "/dci/registry/sync/txn/status",
                    json=self.signed_envelope("txn-status", message, 1),
                    headers=self._auth(self.client, self.secret),
                )
            self.assertEqual(response.status_code, 200, response.text)
            spec_validator(request_schema("/registry/txn/on-status")).validate(response.json())
            self.assertEqual(response.json()["header"]["status"], "rjct")

    def test_every_callback_carries_its_acks_correlation_and_transaction_ids(self):
        search = self.envelope([self.item("expression", {"family_name": "Asyncson"})])
        subscribe = self.subscribe_envelope(reference_id="corr-sub")
        acks = {
            "on-search": (self.ack("/registry/search", search), search),
            "on-subscribe": (self.ack("/registry/subscribe", subscribe), subscribe),
        }
        received = {c["header"]["action"]: c for c in self.callbacks()}
        code = received["on-subscribe"]["message"]["subscribe_response"][0]["subscriptions"][0]["code"]
        unsubscribe = self.signed_envelope(
            "unsubscribe", {"transaction_id": "corr-u", "timestamp": now(), "subscription_codes": [code]}, 1
        )
        status = self.signed_envelope(
            "txn-status",
            {
                "transaction_id": "corr-t",
                "txnstatus_request": {
                    "reference_id": "corr-t-1",
                    "txn_type": "search",
                    "attribute_type": "transaction_id",
                    "attribute_value": search["message"]["transaction_id"],
                },
            },
            1,
        )
        acks["on-unsubscribe"] = (self.ack("/registry/unsubscribe", unsubscribe), unsubscribe)
        acks["txn-on-status"] = (self.ack("/registry/txn/status", status), status)
        received.update({c["header"]["action"]: c for c in self.callbacks()})
        self.assertEqual(set(received), set(acks))
        for action, (ack, request) in acks.items():
            message = received[action]["message"]
            self.assertEqual(
                (message["correlation_id"], message["transaction_id"]),
                (ack["correlation_id"], request["message"]["transaction_id"]),
                action,
            )
            self.assertEqual(received[action]["header"]["message_id"], request["header"]["message_id"], action)
        # the status names the transaction it is about
        txn_status = received["txn-on-status"]["message"]["txnstatus_response"]["txn_status"]
        self.assertEqual(txn_status["correlation_id"], acks["on-search"][0]["correlation_id"])

    def test_http_level_errors_in_both_readings(self):
        """400, 401, 403 and 500 bodies are valid HttpErrorResponse AND Response (ERR acknowledgement)."""
        http_error_validator = spec_validator(HTTP_ERROR_SCHEMA)
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"})])
        searcher, secret = self._create_client("Search only", scopes=["dci:search"], dci_sender_id="search.only")
        bad = self.envelope([self.item("expression", {"family_name": "Asyncson"})], total_count="1")
        cases = [
            ("/registry/search", bad, self._auth(self.client, self.secret), 400, "err.request.bad"),
            ("/registry/search", envelope, {}, 401, "err.request.unauthorized"),
            ("/registry/sync/search", envelope, {"Authorization": "Bearer x"}, 401, "err.request.unauthorized"),
            (
                "/registry/subscribe",
                self.subscribe_envelope(),
                self._auth(searcher, secret),
                403,
                "err.request.forbidden",
            ),
        ]
        first_correlation_ids, calls = {}, Counter()
        for path, body, headers, status, code in cases:
            with self._api() as api:
                response = api.post("/dci" + path, json=body, headers=headers)
            self.assertEqual(response.status_code, status, response.text)
            answer = response.json()
            http_error_validator.validate(answer)
            self.ack_validator.validate(answer)
            self.assertEqual(
                (answer["errors"][0]["code"], answer["message"]["ack_status"], answer["message"]["error"]["code"]),
                (code, "ERR", code),
            )
            # refused anonymous calls (the two 401s) share one row per address, reason and minute,
            # which keeps the first call's correlation id and counts them all
            calls[code] += 1
            first_correlation_ids.setdefault(code, answer["message"]["correlation_id"])
            audit = self._audit_rows(source="/dci", error_code=code)
            self.assertEqual(sum(audit.mapped("call_count")), calls[code])
            self.assertIn(first_correlation_ids[code], audit.mapped("correlation_id"))
        with (
            patch.object(dci_checks, "envelope_problem", side_effect=RuntimeError("boom")),
            mute_logger("odoo.addons.g2p_dci_search.models.fastapi_endpoint"),
            self._api() as api,
        ):
            response = api.post("/dci/registry/search", json=envelope, headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 500)
        http_error_validator.validate(response.json())
        self.ack_validator.validate(response.json())
        self.assertEqual(
            response.json()["message"]["error"], {"code": "err.service.unavailable", "message": "Internal error."}
        )
        self.assertNotIn("boom", response.text)
        self.assertFalse(self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]))

    # --- subscribe, notify, unsubscribe ----------------------------------------------------------
    def test_subscribe_then_notified_of_matching_new_registrants(self):
        result = self.subscribe("REGISTER", {"family_name": "Asyncson", "birth_date": {"$gte": "2000-01-01"}})
        self.assertEqual(result["status"], "succ")
        (info,) = result["subscriptions"]
        subscription = self.env["g2p.dci.subscription"].search([("code", "=", info["code"])])
        self.assertEqual(
            (subscription.client_id, subscription.state, subscription.event_code),
            (self.client, "subscribe", "REGISTER"),
        )
        Partner = self.env["res.partner"]
        newborn = Partner.create(
            {"is_registrant": True, "given_name": "Newborn", "family_name": "Asyncson", "birthdate": "2024-01-01"}
        )
        Partner.create(
            {"is_registrant": True, "given_name": "Elder", "family_name": "Asyncson", "birthdate": "1950-01-01"}
        )
        Partner.create(
            {"is_registrant": True, "given_name": "Other", "family_name": "Elsewhere", "birthdate": "2024-01-01"}
        )
        (notify,) = self.callbacks()
        self.assertEqual(notify["header"]["action"], "notify")
        (event,) = notify["message"]["notify_event"]
        self.assertEqual(
            (event["reference_id"], event["data"]["reg_event_type"], event["data"]["reg_type"]),
            (info["code"], "REGISTER", "Individual"),
        )
        self.assertEqual(event["data"]["reg_records"]["name"]["given_name"], "Newborn")
        self.assertEqual(subscription.delivery_ids.mapped("subject"), [False])
        self.assertEqual(subscription.delivery_ids.state, "sent")
        newborn.write({"given_name": "Renamed"})
        self.assertFalse(self.callbacks(), "an update is not a REGISTER event")

    def test_update_and_new_household_member_events(self):
        self.subscribe("UPDATE", {"family_name": "Asyncson"})
        household = self.env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "name": "Asyncson household", "city": "Zomba"}
        )
        self.commit_events()
        self.subscribe("spdci:common:RegistryEventType:NewHouseHoldMember", {"locality": "Zomba"}, reg_type="Household")
        self.people[0].write({"given_name": "Amabel"})
        self.env["g2p.group.membership"].create({"group_id": household.id, "individual_id": self.people[1].id})
        callbacks = self.callbacks()
        by_type = {
            c["message"]["notify_event"][0]["data"]["reg_type"]: c["message"]["notify_event"][0] for c in callbacks
        }
        self.assertEqual(len(callbacks), 2, [c["message"] for c in callbacks])
        update = by_type["Individual"]["data"]
        self.assertNotIn("reg_event_type", update, "the spec's notify enum has no update value")
        self.assertEqual(update["reg_records"]["name"]["given_name"], "Amabel")
        member = by_type["Household"]["data"]
        self.assertEqual((member["reg_event_type"], member["reg_record_type"]), ("NewHouseHoldMember", "spdci:Group"))

    def test_subscribe_rejections(self):
        self.subscribe("REGISTER", {"family_name": "Asyncson"}, reference_id="dup-ref")
        again = self.subscribe("REGISTER", {"family_name": "Asyncson"})
        self.assertEqual(again["status_reason_code"], "rjct.event.already_subscribed")
        cases = {
            "rjct.reference_id.duplicate": self.subscribe_envelope(
                "REGISTER", {"family_name": "X"}, reference_id="dup-ref"
            ),
            "rjct.notify_types.invalid": self.subscribe_envelope("LiveBirth"),
            "rjct.notify_details.invalid": self.subscribe_envelope("REGISTER", {"no_such_field": 1}),
        }
        household_member_on_individuals = self.subscribe_envelope("NewHouseHoldMember")
        for code, envelope in dict(cases, **{"rjct.notify_types.invalid ": household_member_on_individuals}).items():
            self.ack("/registry/subscribe", envelope)
            (callback,) = self.callbacks()
            (result,) = callback["message"]["subscribe_response"]
            self.assertEqual(
                (callback["header"]["status"], result["status"], result["status_reason_code"]),
                ("rjct", "rjct", code.strip()),
            )
        self.assertEqual(self.env["g2p.dci.subscription"].search_count([("client_id", "=", self.client.id)]), 1)

    def test_active_subscriptions_are_capped_per_participant(self):
        self.env["ir.config_parameter"].set_param("g2p_dci_search.max_active_subscriptions", "2")
        first = self.subscribe("REGISTER", {"family_name": "Capson"})
        self.subscribe("UPDATE", {"family_name": "Capson"})
        over = self.subscribe("REGISTER", {"family_name": "Overcap"})
        self.assertEqual((over["status"], over["status_reason_code"]), ("rjct", "rjct.notify_details.invalid"))
        self.assertIn("subscription limit reached", over["status_reason_message"])
        Subscription = self.env["g2p.dci.subscription"]
        self.assertEqual(Subscription.search_count([("client_id", "=", self.client.id)]), 2, "nothing was created")
        other, secret = self._other_mis()
        envelope = self.subscribe_envelope("REGISTER", {"family_name": "Capson"})
        envelope["header"]["sender_id"] = "other.mis"
        self.assertEqual(self.post("/registry/subscribe", envelope, client=other, secret=secret).status_code, 200)
        (callback,) = self.callbacks()
        self.assertEqual(callback["message"]["subscribe_response"][0]["status"], "succ", "the cap is per participant")
        Subscription.search([("code", "=", first["subscriptions"][0]["code"])])._unsubscribe()
        self.assertEqual(self.subscribe("REGISTER", {"family_name": "Overcap"})["status"], "succ")

    def test_notify_stops_when_the_scope_or_the_client_is_revoked(self):
        self.subscribe("REGISTER", {"family_name": "Revokeson"})
        scope = self.env.ref("g2p_dci_search.scope_dci_subscribe")
        Partner = self.env["res.partner"]
        self.client.scope_ids = [(3, scope.id)]
        Partner.create({"is_registrant": True, "given_name": "A", "family_name": "Revokeson"})
        self.assertFalse(self.callbacks(), "no dci:subscribe, no notification")
        self.client.write({"scope_ids": [(4, scope.id)], "active": False})
        Partner.create({"is_registrant": True, "given_name": "B", "family_name": "Revokeson"})
        self.assertFalse(self.callbacks(), "a deactivated participant is told nothing")
        self.assertFalse(self.env["g2p.api.delivery"].search([("event_type", "=", "dci.notify")]))
        self.client.active = True
        Partner.create({"is_registrant": True, "given_name": "C", "family_name": "Revokeson"})
        (notify,) = self.callbacks()
        self.assertEqual(notify["message"]["notify_event"][0]["data"]["reg_records"]["name"]["given_name"], "C")

    def test_subscription_filters_on_members_test_only_members_who_consented(self):
        household, _shown, _hidden = self.household_with_a_silent_member("Filterson")
        self.commit_events()
        self.subscribe("UPDATE", {"member_name": {"$startsWith": "Hiddenna"}}, reg_type="Household")
        self.subscribe("UPDATE", {"member_name": {"$startsWith": "Shown"}}, reg_type="Household")
        household.write({"city": "Filtertown"})
        notified = [c["message"]["notify_event"][0]["reference_id"] for c in self.callbacks()]
        codes = self.env["g2p.dci.subscription"].search([("client_id", "=", self.client.id)], order="id")
        self.assertEqual(notified, [codes[1].code], "only the filter on a consenting member fires")

    def test_unsubscribe(self):
        code = self.subscribe("REGISTER", {"family_name": "Asyncson"})["subscriptions"][0]["code"]
        unknown = self.signed_envelope(
            "unsubscribe",
            {"transaction_id": "u-0", "timestamp": now(), "subscription_codes": [code, "no-such-code"]},
            2,
        )
        self.ack("/registry/unsubscribe", unknown)
        (callback,) = self.callbacks()
        self.assertEqual(
            (callback["message"]["status"], callback["message"]["status_reason_code"]),
            ("rjct", "rjct.subscription_code.invalid"),
        )
        subscription = self.env["g2p.dci.subscription"].search([("code", "=", code)])
        self.assertEqual(subscription.state, "subscribe", "a rejected unsubscribe changes nothing")
        envelope = self.signed_envelope(
            "unsubscribe", {"transaction_id": "u-1", "timestamp": now(), "subscription_codes": [code]}, 1
        )
        self.ack("/registry/unsubscribe", envelope)
        (callback,) = self.callbacks()
        self.assertEqual(callback["header"]["action"], "on-unsubscribe")
        self.assertEqual(
            (callback["message"]["status"], callback["message"]["subscription_status"]),
            ("succ", [{"code": code, "status": "unsubscribe"}]),
        )
        self.assertEqual(subscription.state, "unsubscribe")
        self.env["res.partner"].create({"is_registrant": True, "given_name": "Late", "family_name": "Asyncson"})
        self.assertFalse(self.callbacks(), "no notification after unsubscribe")
        envelope = self.signed_envelope(
            "unsubscribe", {"transaction_id": "u-2", "timestamp": now(), "subscription_codes": [code]}, 1
        )
        self.ack("/registry/unsubscribe", envelope)
        (callback,) = self.callbacks()
        self.assertEqual(callback["message"]["status_reason_code"], "rjct.event.already_unsubscribed")
        other, secret = self._other_mis()
        foreign = {
            "header": dict(envelope["header"], sender_id="other.mis", message_id=str(uuid.uuid4())),
            "message": dict(envelope["message"], transaction_id="u-3"),
        }
        self.assertEqual(self.post("/registry/unsubscribe", foreign, client=other, secret=secret).status_code, 200)
        (callback,) = self.callbacks()
        self.assertEqual(
            callback["message"]["status_reason_code"],
            "rjct.subscription_code.invalid",
            "another participant's code is unknown to this one",
        )

    @freeze_time(LATE_EVENING_UTC)
    def test_notifications_respect_consent(self):
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        self.subscribe("REGISTER", {"family_name": "Consentson"})
        Partner = self.env["res.partner"]
        with_consent = Partner.create({"is_registrant": True, "given_name": "Yes", "family_name": "Consentson"})
        self.env["g2p.consent"].create(
            {
                "partner_id": with_consent.id,
                "client_id": self.client.id,
                "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_eligibility_verification").id,
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_dci_search").ids)],
                "evidence_reference": "F-2",
            }
        )
        Partner.create({"is_registrant": True, "given_name": "No", "family_name": "Consentson"})
        notified = [
            c["message"]["notify_event"][0]["data"]["reg_records"]["name"]["given_name"] for c in self.callbacks()
        ]
        self.assertEqual(notified, ["Yes"])
        self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Consentson"})]))
        (callback,) = self.callbacks()
        records = callback["message"]["search_response"][0]["data"]["reg_records"]
        self.assertEqual([r["name"]["given_name"] for r in records], ["Yes"])

    def test_notifications_stop_when_scope_or_activity_is_revoked(self):
        self.subscribe("REGISTER", {"family_name": "Revokedson"})
        Partner = self.env["res.partner"]
        subscribe_scope = self.env.ref("g2p_dci_search.scope_dci_subscribe")
        for revoke, restore in (
            (
                lambda: self.client.write({"scope_ids": [(3, subscribe_scope.id)]}),
                lambda: self.client.write({"scope_ids": [(4, subscribe_scope.id)]}),
            ),
            (lambda: self.client.write({"active": False}), lambda: self.client.write({"active": True})),
        ):
            revoke()
            Partner.create({"is_registrant": True, "given_name": "Unannounced", "family_name": "Revokedson"})
            self.commit_events()
            self.assertFalse(
                self.env["g2p.api.delivery"].search(
                    [("client_id", "=", self.client.id), ("event_type", "=", "dci.notify")]
                ),
                "nothing queued",
            )
            restore()
        Partner.create({"is_registrant": True, "given_name": "Announced", "family_name": "Revokedson"})
        notified = [
            c["message"]["notify_event"][0]["data"]["reg_records"]["name"]["given_name"] for c in self.callbacks()
        ]
        self.assertEqual(notified, ["Announced"])

    def test_callback_url_to_a_private_address_refused(self):
        manager = new_test_user(self.env, "dci_ssrf_manager", groups="g2p_partner_api.group_api_manager")
        onboarded = self.env["g2p.api.client"].create({"name": "Onboarded without callbacks"})
        # the first URL is the API Manager's to set, replacing one an administrator's: the guard holds for both
        for url in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.5/dci", "http://localhost:8069/dci"):
            for client, sent in ((onboarded.with_user(manager), url.replace("http:", "https:")), (self.client, url)):
                with (
                    self.subTest(url=sent, user=client.env.user.login),
                    self.assertRaisesRegex(ValidationError, "Destination refused"),
                    self.env.cr.savepoint(),
                ):
                    client.write({"dci_callback_url": sent})
        self.env.invalidate_all()
        self.assertEqual(self.client.dci_callback_url, self.receiver.url + "/spmis/dci")
        self.assertFalse(onboarded.dci_callback_url)

    # --- the spec, checked on arrival --------------------------------------------------------------
    def test_bodies_off_the_spec(self):
        """What pydantic would coerce the spec refuses: the envelope is a 400, an item is rejected alone."""
        envelope = self.envelope([self.item("expression", {"family_name": "Asyncson"})], total_count="1")
        for path in ("/registry/search", "/registry/sync/search"):
            response = self.post(path, envelope, validate=False)
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["errors"][0]["code"], "err.request.bad")
            self.assertIn("header.total_count", response.json()["errors"][0]["message"])
        self.assertFalse(self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]))
        no_query = self.item("expression", {"family_name": "Asyncson"}, reference_id="no-query")
        del no_query["search_criteria"]["query"]
        self.ack(
            "/registry/search",
            self.envelope([self.item("expression", {"family_name": "Asyncson"}), no_query]),
            validate=False,
        )
        (callback,) = self.callbacks()
        good, bad = callback["message"]["search_response"]
        self.assertEqual(
            (good["status"], bad["status"], bad["status_reason_code"]), ("succ", "rjct", "rjct.search_criteria.invalid")
        )
        self.assertIn("'query' is a required property", bad["status_reason_message"])
        message = self.subscribe_envelope()["message"]
        del message["subscribe_request"][0]["subscribe_criteria"]["notify_record_type"]
        self.ack("/registry/subscribe", self.signed_envelope("subscribe", message, 1), validate=False)
        (callback,) = self.callbacks()
        self.assertEqual(
            callback["message"]["subscribe_response"][0]["status_reason_code"], "rjct.notify_details.invalid"
        )
        self.assertFalse(self.env["g2p.dci.subscription"].search([("client_id", "=", self.client.id)]))

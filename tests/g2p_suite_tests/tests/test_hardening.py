"""Bounded property-based fuzzing and fault injection across the apps (G2P_FUZZ_EXAMPLES for more)."""

import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_dci_search.tests.common import DciCase
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase

EXAMPLES = int(os.environ.get("G2P_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DB_ID = re.compile(r'"(id|partner_id|group_id|individual_id|program_id|res_id)"\s*:\s*\d+')
TRACE = re.compile(r"Traceback|psycopg2|SELECT .* FROM|File \"/")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["1990-01-01", "' OR 1=1 --", "%", "_", "\\", "2000-13-45"]),
)
operators = st.sampled_from(
    [
        "$eq",
        "$ne",
        "$gt",
        "$gte",
        "$lt",
        "$lte",
        "$in",
        "$nin",
        "$contains",
        "$startsWith",
        "$endsWith",
        "$where",
        "$regex",
        "eq",
    ]
)
fields = st.sampled_from(
    [
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "locality",
        "identifier",
        "password",
        "__class__",
        "id",
        "$and",
        "$or",
    ]
)
conditions = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(operators, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=2),
)
expressions = st.recursive(
    st.dictionaries(fields, conditions, max_size=3),
    lambda children: st.dictionaries(st.sampled_from(["$and", "$or"]), st.lists(children, max_size=3), max_size=1),
    max_leaves=6,
)

valid_expressions = st.dictionaries(
    st.sampled_from(["given_name", "family_name", "locality"]),
    st.one_of(
        st.text(max_size=8),
        st.dictionaries(
            st.sampled_from(["$eq", "$contains", "$startsWith", "$ne"]),
            st.text(min_size=1, max_size=8),
            min_size=1,
            max_size=1,
        ),
    ),
    min_size=1,
    max_size=2,
)


@tagged("post_install", "-at_install")
class TestDciFuzz(DciCase):
    def test_hypothesis_expressions_answer_or_reject_never_500(self):
        outcomes = {"succ": 0, "rjct": 0}

        @FUZZ
        @given(query=st.one_of(valid_expressions, expressions), page=st.one_of(st.none(), st.integers(-5, 500)))
        def check(query, page):
            criteria = {"pagination": {"page_size": page}} if page is not None else {}
            response = self.search(self.envelope([self.item("expression", query, **criteria)]), validate=False)
            self.assertEqual(response.status_code, 200, response.text)
            self.response_validator.validate(response.json())
            item = response.json()["message"]["search_response"][0]
            self.assertIn(item["status"], outcomes)
            if item["status"] == "rjct":
                self.assertTrue(item["status_reason_code"].startswith("rjct."), item)
            self.assertIsNone(TRACE.search(response.text))
            self.assertIsNone(DB_ID.search(response.text))
            outcomes[item["status"]] += 1

        check()
        self.assertTrue(outcomes["succ"] and outcomes["rjct"], outcomes)

    def test_oversized_batches_refused(self):
        items = [self.item("expression", {"family_name": "X"}) for _ in range(101)]
        response = self.search(self.envelope(items), validate=False)
        self.assertEqual((response.status_code, response.json()["errors"][0]["code"]), (400, "err.request.bad"))


@tagged("post_install", "-at_install")
class TestRestFuzz(DciCase):
    def test_hypothesis_queries_on_individuals(self):
        client, secret = self._create_client("Fuzzer", scopes=["individual:read"])
        headers = self._auth(client, secret)

        @FUZZ
        @given(
            identifier=st.one_of(
                st.none(),
                st.text(max_size=30),
                st.just("urn:g2p:id:national-id|100007919"),
                st.just("urn:g2p:id:national-id|\x00"),
            ),
            page=st.one_of(st.none(), st.integers(-3, 10**6), st.text(max_size=4)),
            count=st.one_of(st.none(), st.integers(-3, 300)),
            birthdate=st.one_of(st.none(), st.text(max_size=12)),
        )
        def check(identifier, page, count, birthdate):
            params = {
                k: v
                for k, v in {"identifier": identifier, "_page": page, "_count": count, "birthdate": birthdate}.items()
                if v is not None
            }
            with self._api(self.rest_endpoint) as api:
                response = api.get("/api/v2/Individual", params=params, headers=headers)
            self.assertIn(response.status_code, (200, 422), response.text)
            body = response.json()
            self.assertTrue("items" in body if response.status_code == 200 else "code" in body, body)
            self.assertIsNone(TRACE.search(response.text))
            self.assertIsNone(DB_ID.search(response.text))

        check()


@tagged("post_install", "-at_install")
class TestIngestFuzzAndFaults(IngestCase):
    def test_hypothesis_bodies_rejected_in_the_envelope_and_write_nothing(self):
        json_values = st.recursive(
            scalars,
            lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c, max_size=3)),
            max_leaves=8,
        )

        @FUZZ
        @given(
            body=st.dictionaries(
                st.sampled_from(["header", "message", "signature", "body", "x"]), json_values, max_size=4
            )
        )
        def check(body):
            response = self.post(body)
            self.assertIn(response.status_code, (200, 422), response.text)
            if response.status_code == 200:
                header = response.json()["response_header"]
                self.assertEqual(header["response_status"], "ERROR")
                self.assertNotEqual(header["error_code"], "INTERNAL_ERROR", header)
            self.assertIsNone(TRACE.search(response.text))
            self.assertFalse(self.received_count())

        check()

    def test_replayed_message_never_applied_twice(self):
        body = self.body({"person": self.person(nid="99100001")})
        self.ingest(body)
        self.ingest(body)
        self.assertEqual(self.CR.search_count([("ingest_raw_id.message_id", "=", body["header"]["message_id"])]), 1)

    def test_oversized_batch_refused_with_nothing_written(self):
        self.env.ref("g2p_partner_ingest.data_model_household_batch").max_items = 3
        households = [{"household_id": f"HH-BIG-{i}", "name": "Big", "members": []} for i in range(4)]
        response = self.post(self.body({"households": households}))
        self.assertEqual(response.json()["ack"]["code"], "INVALID_REQUEST")
        self.assertFalse(self.received_count())

    def test_connection_lost_during_ingest_acknowledges_nothing(self):
        """A call is acknowledged only once its rows are written: a dropped database connection
        answers an error, stores nothing, and the partner's resend of the same message succeeds."""
        import psycopg2

        body = self.body({"person": self.person(nid="99300001")})
        Raw = type(self.Raw)
        original_create = Raw.create

        def connection_lost(model, vals_list):
            raise psycopg2.OperationalError("server closed the connection unexpectedly")

        self.patch(Raw, "create", connection_lost)
        with mute_logger("odoo.addons.g2p_partner_ingest.services.ingest_envelope"):
            response = self.post(body)
        header = response.json()["response_header"]
        self.assertEqual(
            (header["response_status"], header["error_code"], header["correlation_id"]),
            ("ERROR", "INTERNAL_ERROR", None),
        )
        self.assertFalse(self.received_count())
        self.patch(Raw, "create", original_create)
        data, rows = self.ingest(body)
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.change_request_id.operation, "add")

    def test_apply_killed_midway_leaves_nothing_and_completes_on_retry(self):
        approver = new_test_user(self.env, "fault_approver", groups="g2p_partner_api.group_registry_approver")
        households = [
            {
                "household_id": "HH-FAULT-1",
                "name": "Fault household",
                "members": [
                    {"first_name": "First", "national_id": "99200001", "relationship": "head"},
                    {"first_name": "Second", "national_id": "99200002", "relationship": "spouse"},
                ],
            }
        ]
        data, rows = self.ingest(self.body({"households": households}))
        request = rows.change_request_id
        Membership = type(self.env["g2p.group.membership"])
        original_create = Membership.create
        calls = {"n": 0}

        def crash_on_second_member(model, vals_list):
            # counted per membership: the writer creates a household's memberships in one create
            calls["n"] += len(vals_list) if isinstance(vals_list, list) else 1
            if calls["n"] >= 2:
                raise RuntimeError("worker killed")
            return original_create(model, vals_list)

        self.patch(Membership, "create", crash_on_second_member)
        with self.assertRaises(RuntimeError), mute_logger("odoo.sql_db"):
            request.with_user(approver).action_approve()
        self.assertFalse(
            self.env["res.partner"].search([("reg_id_ids.value", "in", ["HH-FAULT-1", "99200001", "99200002"])]),
            "no half-written household",
        )
        self.assertEqual(request.state, "pending")
        self.patch(Membership, "create", original_create)
        request.with_user(approver).action_approve()
        group = self.env["res.partner"].search([("reg_id_ids.value", "=", "HH-FAULT-1")])
        self.assertEqual(len(group.group_member_ids), 2)
        self.assertEqual(json.loads(request.proposed_values)["name"], group.name)

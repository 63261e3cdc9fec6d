import json
import uuid
from unittest.mock import patch

import jwt

from odoo.tests import tagged

from ..services import dci_sync
from ..services.dci_envelope import HEADER_REASON_CODES
from .common import TXN_REQUEST_SCHEMA, TXN_RESPONSE_SCHEMA, DciCase, now, private_key, public_pem, spec_validator


@tagged("post_install", "-at_install")
class TestDciSyncSearch(DciCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        female = cls.env.ref("g2p_partner_api.vocab_gender_female")
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": "Qwertyson",
                    "birthdate": bd,
                    "city": city,
                    "gender_id": female.id if i % 2 else False,
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"77700{i:03d}"})],
                }
                for i, (given, bd, city) in enumerate(
                    [
                        ("Ada", "1980-01-01", "Lilongwe"),
                        ("Bea", "1990-06-15", "Zomba"),
                        ("Cai", "2000-12-31", "Zomba"),
                        ("Dan%_", "2010-03-03", "Blantyre"),
                        ("O'Brien", "1975-07-07", "Mzuzu"),
                    ]
                )
            ]
        )

    def _records(self, response, index=0):
        return response.json()["message"]["search_response"][index]

    def _expr(self, query, **criteria):
        response = self.search(self.envelope([self.item("expression", query, **criteria)]))
        self.assertEqual(response.status_code, 200, response.text)
        return self._records(response)

    def _names(self, result):
        return sorted(r["name"]["given_name"] for r in result["data"]["reg_records"])

    def test_batch_of_idtype_value_and_expression(self):
        items = [
            self.item("idtype-value", {"type": "UIN", "value": "77700001"}, reference_id="ref-1"),
            self.item(
                "expression",
                {
                    "type": "ns:org:QueryType:expression",
                    "value": {
                        "expression": {
                            "collection": "Individual",
                            "query": {"family_name": "Qwertyson", "birth_date": {"$gte": "1990-01-01"}},
                        }
                    },
                },
                reference_id="ref-2",
                pagination={"page_size": 2, "page_number": 1},
                sort=[{"attribute_name": "birth_date", "sort_order": "desc"}],
            ),
            self.item("idtype-value", {"id_type": "NationalID", "id_value": "77700004"}, reference_id="ref-3"),
        ]
        request = self.envelope(items)
        response = self.search(request)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        header = body["header"]
        self.assertEqual((header["status"], header["total_count"], header["completed_count"]), ("succ", 3, 3))
        self.assertEqual(
            (header["message_id"], header["receiver_id"], header["sender_id"], header["action"]),
            (request["header"]["message_id"], "spmis.example.org", "registry.g2p", "on-search"),
        )
        first, second, third = body["message"]["search_response"]
        self.assertEqual([r["reference_id"] for r in (first, second, third)], ["ref-1", "ref-2", "ref-3"])
        record = first["data"]["reg_records"][0]
        self.assertEqual(
            (record["@type"], record["name"]["given_name"], record["birth_date"]),
            ("spdci:SRPerson", "Bea", "1990-06-15"),
        )
        self.assertIn("@context", record)
        self.assertEqual(
            record["identifier"],
            [{"@type": "Identifier", "identifier_type": "NationalID", "identifier_value": "77700001"}],
        )
        self.assertEqual(second["pagination"], {"page_size": 2, "page_number": 1, "total_count": 3})
        self.assertEqual([r["name"]["given_name"] for r in second["data"]["reg_records"]], ["Dan%_", "Cai"])
        self.assertEqual(third["data"]["reg_records"][0]["name"]["given_name"], "O'Brien")
        # the registry's signature verifies with the published JWKS
        with self._api() as api:
            jwks = api.get("/dci/.well-known/jwks.json").json()
        kid = jwt.get_unverified_header(body["signature"])["kid"]
        self.assertEqual(kid, self.env["g2p.api.signing.key"]._ensure_active_key("message").kid)
        self.assertTrue(kid.startswith("msg-"), "signed with the message key, published under its own kid")
        key = jwt.PyJWK(next(jwk for jwk in jwks["keys"] if jwk["kid"] == kid)).key
        signed = jwt.decode(body["signature"], key=key, algorithms=["ES256"])
        self.assertEqual(signed, {"header": body["header"], "message": body["message"]})
        audit = self._audit_rows(resource="/dci/registry/sync/search")
        self.assertEqual(
            (audit.actor, audit.outcome, audit.reference_ids), ("spmis.example.org", "success", "ref-1,ref-2,ref-3")
        )

    def test_each_operator_and_shorthand(self):
        cases = [
            ({"family_name": "Qwertyson"}, ["Ada", "Bea", "Cai", "Dan%_", "O'Brien"]),
            ({"family_name": "Qwertyson", "given_name": {"$ne": "Ada"}}, ["Bea", "Cai", "Dan%_", "O'Brien"]),
            ({"family_name": "Qwertyson", "birth_date": {"$gt": "1990-06-15"}}, ["Cai", "Dan%_"]),
            ({"family_name": "Qwertyson", "birth_date": {"$gte": "1990-06-15", "$lt": "2000-12-31"}}, ["Bea"]),
            ({"family_name": "Qwertyson", "birth_date": {"$lte": "1980-01-01"}}, ["Ada", "O'Brien"]),
            ({"family_name": "Qwertyson", "locality": {"$in": ["Zomba", "Mzuzu"]}}, ["Bea", "Cai", "O'Brien"]),
            ({"family_name": "Qwertyson", "locality": {"$nin": ["Zomba", "Mzuzu"]}}, ["Ada", "Dan%_"]),
            ({"family_name": "Qwertyson", "given_name": {"$contains": "e"}}, ["Bea", "O'Brien"]),
            ({"family_name": "Qwertyson", "given_name": {"$startsWith": "C"}}, ["Cai"]),
            ({"family_name": "Qwertyson", "given_name": {"$endsWith": "a"}}, ["Ada", "Bea"]),
            (
                {
                    "family_name": "Qwertyson",
                    "$or": [
                        {"given_name": "Ada"},
                        {"$and": [{"locality": "Zomba"}, {"birth_date": {"$gt": "1995-01-01"}}]},
                    ],
                },
                ["Ada", "Cai"],
            ),
            ({"family_name": "Qwertyson", "sex": "female"}, ["Bea", "Dan%_"]),
        ]
        for query, expected in cases:
            result = self._expr(query, pagination={"page_size": 20})
            self.assertEqual(result["status"], "succ", (query, result))
            self.assertEqual(self._names(result), sorted(expected), query)
            self.assertEqual(result["pagination"]["total_count"], len(expected))

    def test_predicate_query(self):
        query = [
            {
                "seq_num": 1,
                "expression1": {"attribute_name": "family_name", "operator": "eq", "attribute_value": "Qwertyson"},
                "condition": "and",
                "expression2": {"attribute_name": "birth_date", "operator": "ge", "attribute_value": "2000-01-01"},
            }
        ]
        response = self.search(self.envelope([self.item("predicate", query)]))
        self.assertEqual(self._names(self._records(response)), ["Cai", "Dan%_"])

    def test_injection_looking_values_match_literally(self):
        for value, expected in [
            ("%", ["Dan%_"]),
            ("_", ["Dan%_"]),
            ("'", ["O'Brien"]),
            ("' OR 1=1 --", []),
            ("Ada; DROP TABLE res_partner", []),
        ]:
            result = self._expr({"family_name": "Qwertyson", "given_name": {"$contains": value}})
            self.assertEqual((result["status"], self._names(result)), ("succ", expected), value)
        result = self._expr({"given_name": "'; SELECT * FROM res_users; --"})
        self.assertEqual((result["status"], result["pagination"]["total_count"]), ("succ", 0))

    def test_bad_items_rejected_alone(self):
        good = self.item("expression", {"family_name": "Qwertyson"})
        bad_items = [
            (self.item("expression", {"password": "x"}), "rjct.search_criteria.invalid"),
            (self.item("expression", {"given_name": {"$regex": ".*"}}), "rjct.search_criteria.invalid"),
            (self.item("expression", {"birth_date": {"$gt": "yesterday"}}), "rjct.search_criteria.invalid"),
            (self.item("expression", {"birth_date": {"$in": "1990-01-01"}}), "rjct.search_criteria.invalid"),
            (self.item("expression", {"family_name": "Qwertyson"}, reg_type="Farmer"), "rjct.search_criteria.invalid"),
            (self.item("graphql", {"q": "{}"}), "rjct.search_criteria.invalid"),
            (self.item("idtype-value", {"type": "MOBILE", "value": "1"}), "rjct.search_criteria.invalid"),
            (
                self.item("expression", {"family_name": "Qwertyson"}, pagination={"page_size": 101}),
                "rjct.pagination.invalid",
            ),
            (
                self.item("expression", {"family_name": "Qwertyson"}, pagination={"page_size": 0}),
                "rjct.pagination.invalid",
            ),
            (
                self.item(
                    "expression", {"family_name": "Qwertyson"}, sort=[{"attribute_name": "sex", "sort_order": "asc"}]
                ),
                "rjct.sort.invalid",
            ),
            (
                dict(self.item("expression", {"family_name": "Qwertyson"}), timestamp="not-a-time"),
                "rjct.timestamp.invalid",
            ),
        ]
        for bad, code in bad_items:
            good = self.item("expression", {"family_name": "Qwertyson"})
            response = self.search(self.envelope([good, bad]), validate=False)
            self.assertEqual(response.status_code, 200, response.text)
            body = response.json()
            self.response_validator.validate(body)
            self.assertEqual(
                (body["header"]["status"], body["header"]["total_count"], body["header"]["completed_count"]),
                ("succ", 2, 1),
                bad,
            )
            first, second = body["message"]["search_response"]
            self.assertEqual(first["status"], "succ")
            self.assertEqual((second["status"], second["status_reason_code"]), ("rjct", code), bad)

    def test_all_items_rejected_is_rjct_and_audited_as_failure(self):
        response = self.search(self.envelope([self.item("expression", {"nope": 1})]))
        self.assertEqual(response.json()["header"]["status"], "rjct")
        self.assertEqual(self._audit_rows(resource="/dci/registry/sync/search").outcome, "failure")

    def _assert_envelope_rejected(self, envelope, message_start, **kwargs):
        """An envelope the spec rejects: rjct with the spec's header reason code, the human text apart."""
        response = self.search(envelope, validate=False, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.response_validator.validate(body)
        self.assertEqual((body["header"]["status"], body["message"]["search_response"]), ("rjct", []))
        self.assertIn(body["header"]["status_reason_code"], HEADER_REASON_CODES, body["header"])
        self.assertTrue(body["header"]["status_reason_message"].startswith(message_start), body["header"])
        latest = self._audit_rows(resource="/dci/registry/sync/search")[0]
        self.assertEqual((latest.outcome, latest.error_code), ("failure", body["header"]["status_reason_code"]))
        return body

    def _assert_untrusted(self, envelope, code):
        count = self.env["g2p.dci.transaction"].search_count([])
        self.assert_untrusted(self.search(envelope, validate=False), code)
        latest = self._audit_rows(resource="/dci/registry/sync/search")[0]
        self.assertEqual((latest.outcome, latest.status_code, latest.error_code), ("failure", 403, code))
        self.assertEqual(self.env["g2p.dci.transaction"].search_count([]), count, "nothing recorded")

    def test_signature_attacks(self):
        items = [self.item("expression", {"family_name": "Qwertyson"})]
        self._assert_untrusted(self.envelope(items, key=private_key("ec")), "err.signature.invalid")
        tampered = self.envelope(items)
        tampered["message"]["search_request"][0]["search_criteria"]["query"] = {"family_name": "Someone else"}
        self._assert_untrusted(tampered, "err.signature.invalid")
        unsigned = self.envelope(items)
        unsigned["signature"] = jwt.encode(
            {"header": unsigned["header"], "message": unsigned["message"]}, None, algorithm="none"
        )
        self._assert_untrusted(unsigned, "err.signature.invalid")
        missing = self.envelope(items)
        del missing["signature"]
        self._assert_untrusted(missing, "err.signature.missing")

    def test_rsa_signatures_and_opt_out(self):
        rsa_key = private_key("rsa")
        self.client.public_key = public_pem(rsa_key)

        def items():
            return [self.item("expression", {"family_name": "Qwertyson"})]

        self.assertEqual(
            self.search(self.envelope(items(), key=rsa_key, algorithm="RS256")).json()["header"]["status"], "succ"
        )
        unsigned = self.envelope(items(), key=rsa_key, algorithm="RS256")
        unsigned["signature"] = None
        self._assert_untrusted(unsigned, "err.signature.missing")
        self.client.dci_verify_signature = False
        self.assertEqual(self.search(unsigned, validate=False).json()["header"]["status"], "succ")

    def test_unknown_sender_and_bad_header(self):
        items = [self.item("expression", {"family_name": "Qwertyson"})]
        self._assert_untrusted(self.envelope(items, sender="someone.else"), "err.sender_id.invalid")
        body = self._assert_envelope_rejected(self.envelope(items, message_ts="yesterday"), "message_ts")
        self.assertEqual(body["header"]["status_reason_code"], "rjct.message_ts.invalid")
        body = self._assert_envelope_rejected(self.envelope(items, action="subscribe"), "action")
        self.assertEqual(body["header"]["status_reason_code"], "rjct.action.invalid")

    def test_client_id_is_accepted_as_sender_id(self):
        """One name per partner: its OAuth client_id, its DCI sender id an alias; another client's id is refused."""
        items = [self.item("expression", {"family_name": "Qwertyson"})]
        self.assertEqual(
            self.search(self.envelope(items, sender=self.client.client_id)).json()["header"]["status"], "succ"
        )
        other, _secret = self._create_client("Other participant", scopes=["dci:search"])
        self._assert_untrusted(self.envelope(items, sender=other.client_id), "err.sender_id.invalid")

    def test_http_level_errors_in_spec_shape(self):
        envelope = self.envelope([self.item("expression", {"family_name": "Qwertyson"})])
        with self._api() as api:
            missing_token = api.post("/dci/registry/sync/search", json=envelope)
            self.assertEqual(missing_token.status_code, 401)
            self.assertEqual(missing_token.json()["errors"][0]["code"], "err.request.unauthorized")
            rest_only, rest_secret = self._create_client(
                "REST only", scopes=["individual:read"], dci_sender_id="rest.only"
            )
            forbidden = api.post("/dci/registry/sync/search", json=envelope, headers=self._auth(rest_only, rest_secret))
            self.assertEqual(forbidden.status_code, 403)
            malformed = api.post(
                "/dci/registry/sync/search",
                json={"header": {"message_id": "1"}},
                headers=self._auth(self.client, self.secret),
            )
            self.assertEqual(malformed.status_code, 400)
            self.assertEqual(malformed.json()["errors"][0]["code"], "err.request.bad")
            self.assertEqual(api.get("/dci/ping").json(), {"status": "ok"})
            self.assertIn("/registry/sync/search", api.get("/dci/openapi.json").json()["paths"])

    def test_a_member_named_twice_is_refused_and_no_transaction_recorded(self):
        """The envelope is signed over its last reading of a repeated member: refused, never resolved."""
        envelope = self.envelope([self.item("expression", {"family_name": "Qwertyson"})])
        text = json.dumps(envelope)
        cases = {
            "header": text.replace('{"signature"', '{"header": {"sender_id": "someone.else"}, "signature"', 1),
            "message.search_request.0.search_criteria.reg_type": text.replace(
                '"reg_type": "Individual"', '"reg_type": "Household", "reg_type": "Individual"'
            ),
        }
        Transaction = self.env["g2p.dci.transaction"].sudo()
        before = Transaction.search_count([])
        headers = dict(self._auth(self.client, self.secret), **{"Content-Type": "application/json"})
        with self._api() as api:
            for where, raw in cases.items():
                self.assertNotEqual(raw, text)
                response = api.post("/dci/registry/sync/search", content=raw.encode(), headers=headers)
                self.assertEqual(response.status_code, 400, response.text)
                (error,) = response.json()["errors"]
                self.assertEqual(error["code"], "err.request.bad")
                self.assertIn(f"{where}: ", error["message"])
            self.assertEqual(Transaction.search_count([]), before, "no transaction recorded")
            # the same envelope, each member once
            response = api.post("/dci/registry/sync/search", content=text.encode(), headers=headers)
        self.assertEqual(response.json()["header"]["status"], "succ", response.text)
        self.assertEqual(Transaction.search_count([]), before + 1)

    def test_household_register_with_members(self):
        group = self.env.ref("g2p_partner_api.demo_group_01")
        hh_id = group.reg_id_ids[0].value
        response = self.search(
            self.envelope([self.item("idtype-value", {"type": "HouseholdID", "value": hh_id}, reg_type="Household")])
        )
        record = self._records(response)["data"]["reg_records"][0]
        self.assertEqual(
            (record["@type"], record["group_size"], record["additional_attributes"]),
            ("spdci:Group", 4, [{"group_name": group.name}]),
        )
        self.assertEqual(record["member_list"][0]["relationship_head"], "head")

    def test_duplicate_message_and_reference_ids(self):
        first = self.envelope([self.item("expression", {"family_name": "Qwertyson"}, reference_id="dup-ref")])
        self.assertEqual(self.search(first).json()["header"]["status"], "succ")
        transaction = self.env["g2p.dci.transaction"].search([("message_id", "=", first["header"]["message_id"])])
        self.assertEqual(
            (transaction.client_id, transaction.status, transaction.item_ids.reference_id),
            (self.client, "succ", "dup-ref"),
        )
        replay = self._assert_envelope_rejected(first, "message_id")
        self.assertEqual(replay["header"]["status_reason_code"], "rjct.message_id.duplicate")
        again = self.search(
            self.envelope(
                [
                    self.item("expression", {"family_name": "Qwertyson"}, reference_id="dup-ref"),
                    self.item("expression", {"family_name": "Qwertyson"}, reference_id="twice"),
                    self.item("expression", {"family_name": "Qwertyson"}, reference_id="twice"),
                ]
            )
        ).json()
        codes = [r.get("status_reason_code") for r in again["message"]["search_response"]]
        self.assertEqual(codes, ["rjct.reference_id.duplicate"] * 3)
        self.assertEqual(again["header"]["status"], "rjct")

    def _replayed_state(self, message_id):
        """What a replay must leave as it was: the message's transactions and items, the disclosures."""
        transactions = self.env["g2p.dci.transaction"].search([("message_id", "=", message_id)])
        disclosures = self.env["g2p.api.disclosure"].search([("client_id", "=", self.client.id)])
        return transactions, transactions.item_ids, disclosures

    def _assert_replay_refused(self, replay, before=None):
        """Refused as a replay; the database as ``before`` (``_replayed_state``) when given. Returns the
        message's transactions."""
        body = self._assert_envelope_rejected(replay, "message_id")
        self.assertEqual(body["header"]["status_reason_code"], "rjct.message_id.duplicate")
        self.env.invalidate_all()
        after = self._replayed_state(replay["header"]["message_id"])
        if before is not None:
            self.assertEqual(after, before, "nothing recorded or disclosed")
        latest = self._audit_rows(resource="/dci/registry/sync/search")[0]
        self.assertEqual((latest.correlation_id, latest.reference_ids), (False, False), "the audit names no answer")
        self.assertFalse(
            self.env["g2p.api.disclosure"].search([("audit_log_id", "=", latest.id)]),
            "the audit row records no disclosure",
        )
        return after[0]

    def test_replayed_message_id_with_new_references_is_refused(self):
        """The message id is checked by the transaction's INSERT: a replay whose items are new is searched,
        then refused as a whole; nothing of it is recorded and nothing disclosed."""
        self._people(2, "Replayed", "Replaymessage", "7720")
        first = self.envelope([self.item("expression", {"family_name": "Replaymessage"})])
        self.assertEqual(self.search(first).json()["header"]["status"], "succ")
        before = self._replayed_state(first["header"]["message_id"])
        self.assertEqual((len(before[0]), len(before[2])), (1, 2))
        replay = self.envelope(
            [self.item("expression", {"family_name": "Replaymessage"})], message_id=first["header"]["message_id"]
        )
        self._assert_replay_refused(replay, before)

    def test_message_id_raced_by_another_call_is_refused(self):
        """Two calls with one message id at once: the one whose transaction lands second (its INSERT waits
        for the other's commit) is refused as a replay, not answered, and records nothing. The other call's
        transaction is recorded here while this call searches, after its envelope checks."""
        self._people(2, "Raced", "Racedmessage", "7730")
        envelope = self.envelope([self.item("expression", {"family_name": "Racedmessage"})])
        message_id = envelope["header"]["message_id"]
        search_request_answers = dci_sync.search_request_answers

        def searched_while_the_other_call_records(env, client, items, **kwargs):
            other = env["g2p.dci.transaction"].sudo().create({"client_id": client.id, "message_id": message_id})
            other.flush_recordset()
            return search_request_answers(env, client, items, **kwargs)

        disclosures = self._replayed_state(message_id)[2]
        with patch.object(dci_sync, "search_request_answers", searched_while_the_other_call_records):
            other = self._assert_replay_refused(envelope)
        self.assertEqual(len(other), 1, "the other call's transaction is the only one")
        self.assertEqual((other.item_ids, self._replayed_state(message_id)[2]), (other.item_ids.browse(), disclosures))

    def test_reference_id_raced_by_another_call_is_answered_duplicate(self):
        """The reference ids are checked by the transaction's INSERT: a reference id another call of the
        sender records while this one searches makes the INSERT record nothing; the items are answered again,
        that one rjct.reference_id.duplicate, and the registrant its first answer found is not disclosed."""
        raced, fresh = self._people(2, "Racedref", "Racedreference", "7740")
        envelope = self.envelope(
            [
                self.item("idtype-value", {"type": "UIN", "value": "77400000"}, reference_id="raced-ref"),
                self.item("idtype-value", {"type": "UIN", "value": "77400001"}, reference_id="fresh-ref"),
            ]
        )
        Transaction = self.env["g2p.dci.transaction"]
        search_request_answers, searches = dci_sync.search_request_answers, []

        def searched_while_the_other_call_records(env, client, items, **kwargs):
            if not searches:
                other = Transaction.sudo().create(
                    {
                        "client_id": client.id,
                        "message_id": "other-call",
                        "item_ids": [(0, 0, {"reference_id": "raced-ref", "status": "succ"})],
                    }
                )
                other.flush_recordset()
                other.item_ids.flush_recordset()
            answers, named = search_request_answers(env, client, items, **kwargs)
            searches.append((set(kwargs.get("used")), [answer["status"] for answer in answers], named))
            return answers, named

        items_before = self.env["g2p.dci.transaction.item"].search_count([])
        with patch.object(dci_sync, "search_request_answers", searched_while_the_other_call_records):
            body = self.search(envelope).json()
        self.assertEqual(
            searches,
            [(set(), ["succ", "succ"], raced | fresh), ({"raced-ref"}, ["rjct", "succ"], fresh)],
            "answered twice: the second time knowing the reference used",
        )
        answers = body["message"]["search_response"]
        self.assertEqual(
            [(answer["reference_id"], answer["status"], answer.get("status_reason_code")) for answer in answers],
            [("raced-ref", "rjct", "rjct.reference_id.duplicate"), ("fresh-ref", "succ", None)],
        )
        self.assertNotIn("data", answers[0])
        self.assertEqual(answers[1]["data"]["reg_records"][0]["name"]["given_name"], "Racedref01")
        self.assertEqual((body["header"]["status"], body["header"]["completed_count"]), ("succ", 1))
        self.env.invalidate_all()
        transaction = Transaction.search([("message_id", "=", envelope["header"]["message_id"])])
        self.assertEqual(len(transaction), 1, "recorded once, with the second answers")
        self.assertEqual(
            [(item.reference_id, item.status, item.status_reason_code) for item in transaction.item_ids],
            [("raced-ref", "rjct", "rjct.reference_id.duplicate"), ("fresh-ref", "succ", False)],
        )
        self.assertEqual((transaction.status, transaction.completed_count), ("succ", 1))
        self.assertEqual(
            self.env["g2p.dci.transaction.item"].search_count([]), items_before + 3, "the other call's item and ours"
        )
        audit = self._audit_rows(resource="/dci/registry/sync/search")[0]
        self.assertEqual(audit.reference_ids, "raced-ref,fresh-ref")
        disclosed = self.env["g2p.api.disclosure"].search([("audit_log_id", "=", audit.id)]).partner_id
        self.assertEqual(disclosed, fresh, "the raced item's registrant is not disclosed")
        self.assertNotIn(raced, self.env["g2p.api.disclosure"].search([("client_id", "=", self.client.id)]).partner_id)

    def test_reference_id_used_earlier_is_answered_duplicate(self):
        """A reference id used by an earlier call is found by the INSERT's check: the item is answered
        rjct.reference_id.duplicate, as when it was searched before, and what its first answer found is
        neither recorded nor disclosed."""
        _used, other = self._people(2, "Usedref", "Usedreference", "7750")
        first = self.envelope([self.item("idtype-value", {"type": "UIN", "value": "77500000"}, reference_id="used")])
        self.assertEqual(self.search(first).json()["message"]["search_response"][0]["status"], "succ")
        again = self.envelope(
            [
                self.item("idtype-value", {"type": "UIN", "value": "77500000"}, reference_id="used"),
                self.item("idtype-value", {"type": "UIN", "value": "77500001"}, reference_id="new"),
            ]
        )
        answers = self.search(again).json()["message"]["search_response"]
        self.assertEqual(
            [(answer["status"], answer.get("status_reason_code")) for answer in answers],
            [("rjct", "rjct.reference_id.duplicate"), ("succ", None)],
        )
        self.env.invalidate_all()
        audit = self._audit_rows(resource="/dci/registry/sync/search")[0]
        self.assertEqual(self.env["g2p.api.disclosure"].search([("audit_log_id", "=", audit.id)]).partner_id, other)
        transaction = self.env["g2p.dci.transaction"].search([("message_id", "=", again["header"]["message_id"])])
        self.assertEqual(transaction.item_ids.mapped("status"), ["rjct", "succ"])
        self.assertEqual(self.env["g2p.dci.transaction.item"].search_count([("reference_id", "=", "used")]), 2)


@tagged("post_install", "-at_install")
class TestDciSyncTxnStatus(DciCase):
    def _status(self, attribute_type, value, txn_type="search"):
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": now(),
            "action": "txn-status",
            "sender_id": "spmis.example.org",
            "receiver_id": "registry.g2p",
            "total_count": 1,
        }
        message = {
            "transaction_id": "status-1",
            "txnstatus_request": {
                "reference_id": str(uuid.uuid4()),
                "txn_type": txn_type,
                "attribute_type": attribute_type,
                "attribute_value": value,
            },
        }
        envelope = {
            "signature": jwt.encode({"header": header, "message": message}, self.key, algorithm="ES256"),
            "header": header,
            "message": message,
        }
        spec_validator(TXN_REQUEST_SCHEMA).validate(envelope)
        with self._api() as api:
            response = api.post(
                "/dci/registry/sync/txn/status", json=envelope, headers=self._auth(self.client, self.secret)
            )
        self.assertEqual(response.status_code, 200, response.text)
        spec_validator(TXN_RESPONSE_SCHEMA).validate(response.json())
        return response.json()

    def test_status_by_transaction_reference_and_correlation(self):
        search = self.envelope(
            [
                self.item("expression", {"family_name": "X"}, reference_id="st-ok"),
                self.item("expression", {"nope": 1}, reference_id="st-bad"),
            ]
        )
        answer = self.search(search).json()
        by_txn = self._status("transaction_id", search["message"]["transaction_id"])
        self.assertEqual((by_txn["header"]["status"], by_txn["header"]["action"]), ("succ", "txn-on-status"))
        entries = by_txn["message"]["txnstatus_response"]["txn_status"]["search_response"]
        self.assertEqual([(e["reference_id"], e["status"]) for e in entries], [("st-ok", "succ"), ("st-bad", "rjct")])
        by_ref = self._status("reference_id_list", ["st-bad"])
        self.assertEqual(
            [e["reference_id"] for e in by_ref["message"]["txnstatus_response"]["txn_status"]["search_response"]],
            ["st-bad"],
        )
        by_corr = self._status("correlation_id", answer["message"]["correlation_id"])
        self.assertEqual(
            by_corr["message"]["txnstatus_response"]["txn_status"]["correlation_id"],
            answer["message"]["correlation_id"],
        )
        unknown = self._status("transaction_id", "never-sent")
        self.assertEqual(
            (unknown["header"]["status"], unknown["message"]["txnstatus_response"]["txn_status"]["search_response"]),
            ("rjct", []),
        )

import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..services.ingest_acceptance import IngestAcceptance
from ..services.ingest_envelope import IngestError
from .common import IngestCase, public_pem, text_of


@tagged("post_install", "-at_install")
class TestIngestEndpoint(IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, "cr_approver", groups="g2p_partner_api.group_registry_approver")
        cls.officer = new_test_user(cls.env, "cr_officer", groups="g2p_partner_api.group_registry_officer")

    def assertRejected(self, response, code):
        self.assertEqual(response.status_code, 200, response.text)
        header = response.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code), header)
        self.assertFalse(self.received_count(), "a rejected call writes nothing")
        self.assertEqual(self._audit_rows(resource="/partner/ingest_data")[0].outcome, "failure")

    def test_error_codes_in_order_and_nothing_written(self):
        message = {"person": self.person()}
        self.assertRejected(self.post(self.body({"unknown": {"shape": 1}})), "DATA_MODEL_NOT_FOUND")
        self.assertRejected(self.post(self.body(message), params={"data_model": "nope"}), "DATA_MODEL_NOT_FOUND")
        no_id = self.body(message)
        del no_id["header"]["message_id"]
        self.assertRejected(self.post(no_id), "INVALID_REQUEST")
        self.assertRejected(self.post(self.body(message, sign=False)), "INVALID_REQUEST")
        self.assertRejected(self.post(self.body(message, sender="STRANGER")), "PARTNER_NOT_REGISTERED")
        self.client.active = False
        self.assertRejected(self.post(self.body(message)), "PARTNER_NOT_REGISTERED")
        self.client.active = True

    def test_signature_attacks(self):
        message = {"person": self.person()}
        self.assertRejected(
            self.post(self.body(message, key=ec.generate_private_key(ec.SECP256R1()))), "REQUEST_VALIDATION_ERROR"
        )
        tampered = self.body(message)
        tampered["message"]["person"]["national_id"] = "66666666"
        self.assertRejected(self.post(tampered), "REQUEST_VALIDATION_ERROR")
        unsigned = self.body(message)
        unsigned["signature"] = jwt.encode(message, None, algorithm="none")
        self.assertRejected(self.post(unsigned), "REQUEST_VALIDATION_ERROR")
        # key confusion: HS256 with the client's public key as the secret
        confused = self.body(message)
        confused["signature"] = jwt.api_jws.PyJWS().encode(
            jwt.utils.force_bytes(__import__("json").dumps(message)), b"x" * 32, algorithm="HS256"
        )
        self.assertRejected(self.post(confused), "REQUEST_VALIDATION_ERROR")

    def test_rs256_signature_accepted(self):
        rsa_key = rsa.generate_private_key(65537, 2048)
        self.client.public_key = public_pem(rsa_key)
        data, rows = self.ingest(self.body({"person": self.person()}, key=rsa_key, algorithm="RS256"))
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS")
        self.assertEqual(len(rows), 1)

    def test_malformed_json_and_bodies_off_schema_answer_the_envelope(self):
        for raw, status, code in (
            (b'{"header": ', 400, "MALFORMED_JSON"),
            (b"[1, 2]", 422, "INVALID_PARAMETERS"),
        ):
            response = self.post(None, raw=raw)
            self.assertEqual(response.status_code, status, response.text)
            header = response.json()["response_header"]
            self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code), header)
            self.assertNotIn("detail", response.json())
        self.assertFalse(self.received_count())

    def test_a_member_named_twice_is_refused_and_nothing_received(self):
        """The signed reading is the last of a repeated member: the body is refused, never resolved."""
        body = self.body({"person": self.person()})
        text = json.dumps(body)
        cases = {
            "message": text.replace('{"header"', '{"message": {"person": {"first_name": "Mallory"}}, "header"', 1),
            "message.person.first_name": text.replace(
                '"first_name": "Grace"', '"first_name": "M", "first_name": "Grace"'
            ),
            "header.sender_id": text.replace('"sender_id": "KOBO"', '"sender_id": "OTHER", "sender_id": "KOBO"'),
        }
        for where, raw in cases.items():
            self.assertNotEqual(raw, text)
            response = self.post(None, raw=raw.encode())
            self.assertEqual(response.status_code, 422, response.text)
            header = response.json()["response_header"]
            self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "INVALID_PARAMETERS"))
            self.assertTrue(header["error_message"].startswith(f"{where}: "), header["error_message"])
        self.assertFalse(self.received_count(), "no raw item stored")
        # a signed payload (JWS) naming a member twice is not verified over its last reading
        message_id = body["header"]["message_id"]
        claims = json.dumps(dict(body["message"], jti=message_id, iat=int(time.time())))
        doubled = claims.replace('{"person"', '{"person": {"first_name": "Mallory"}, "person"', 1)
        signed_twice = dict(body, signature=jwt.api_jws.PyJWS().encode(doubled.encode(), self.key, algorithm="ES256"))
        self.assertRejected(self.post(signed_twice), "REQUEST_VALIDATION_ERROR")
        self.assertFalse(self.received_count())
        # the same body, each member once
        response = self.post(None, raw=text.encode())
        self.assertEqual(response.json()["response_header"]["response_status"], "SUCCESS", response.text)
        self.assertEqual(self.received_count(), 1)

    def test_a_file_manifest_naming_a_member_twice_is_refused(self):
        manifest = '{"header": {"message_id": "m-1", "sender_id": "OTHER", "sender_id": "KOBO"}, "message": {}}'
        with self.assertRaisesRegex(IngestError, r"manifest: the member header\.sender_id is named more than once"):
            IngestAcceptance._manifest(manifest)

    def test_single_person_to_change_request_to_register(self):
        data, rows = self.ingest(self.body({"person": self.person()}))
        header = data["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("SUCCESS", None))
        self.assertEqual(data["response_payload"]["ingest_ids"], rows.mapped("ingest_id"))
        self.assertEqual(rows.data_model_id.mnemonic, "PERSON_JSON", "detected by pattern")
        self.assertEqual(
            (rows.classification_status, rows.transformation_status, rows.ingestion_status), ("done", "done", "done")
        )
        request = rows.change_request_id
        self.assertEqual((request.operation, request.state, request.target), ("add", "pending", "individual"))
        self.assertFalse(
            self.env["res.partner"].search([("reg_id_ids.value", "=", "90000001")]), "nothing written before approval"
        )
        self.assertIn("90000001", request.diff_html)
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Kobo feedback",
                "client_id": self.client.id,
                "target_url": "https://kobo.example.org/hook",
                "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_change_request_applied").ids)],
            }
        )
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied")
        applied_event = json.loads(subscription.delivery_ids.body)
        self.assertEqual(
            (applied_event["type"], applied_event["data"]["reference"], applied_event["data"]["registrant"]),
            ("org.g2p.change_request.applied", request.name, request.registrant_id.uuid),
        )
        person = request.registrant_id
        self.assertEqual((person.name, person.gender_id.code, person.city), ("Grace Kamau", "female", "Zomba"))
        self.assertEqual((person.source_client_id, person.source_system), (self.client, "kobo"))
        self.assertEqual(request.reviewer_id, self.approver)
        self.assertEqual(self._audit_rows(resource="/partner/ingest_data").correlation_id, header["correlation_id"])
        with self._api() as api:
            status = api.get(
                f"/partner/ingest_status/{header['correlation_id']}", headers=self._auth(self.client, self.secret)
            )
            self.assertEqual(status.status_code, 200, status.text)
            item = status.json()["items"][0]
            self.assertEqual(
                (item["state"], item["change_request"], item["change_request_state"], item["operation"]),
                ("done", request.name, "applied", "ADD"),
            )
            other, other_secret = self._create_client("Other", scopes=["individual:read"])
            self.assertEqual(
                api.get(
                    f"/partner/ingest_status/{header['correlation_id']}", headers=self._auth(other, other_secret)
                ).status_code,
                404,
            )
            self.assertEqual(api.get(f"/partner/ingest_status/{header['correlation_id']}").status_code, 401)

    def test_update_of_matched_registrant_and_reject(self):
        existing = self.env.ref("g2p_partner_api.demo_individual_03")
        nid = existing.reg_id_ids[0].value
        data, rows = self.ingest(
            self.body({"person": self.person(nid=nid, first=existing.given_name, last="Renamed")}),
            params={"data_model": "person_json"},
        )
        request = rows.change_request_id
        self.assertEqual((request.operation, request.registrant_id), ("update", existing))
        self.assertIn("Renamed", request.diff_html)
        self.assertIn("table-warning", request.diff_html)
        with self.assertRaises(UserError):
            request.with_user(self.approver).action_reject("")
        request.with_user(self.approver).action_reject("Surname not confirmed by the ID system")
        self.assertEqual((request.state, existing.family_name), ("rejected", existing.family_name))
        self.assertNotEqual(existing.family_name, "Renamed")

    def test_household_batch_with_members_and_response_template(self):
        households = [
            {
                "household_id": "HH-77-1",
                "name": "Otieno household",
                "village": "Kasungu",
                "members": [
                    {
                        "first_name": "Musa",
                        "last_name": "Otieno",
                        "national_id": "91000001",
                        "sex": "M",
                        "relationship": "head",
                    },
                    {
                        "first_name": "Ruth",
                        "last_name": "Otieno",
                        "national_id": "91000002",
                        "sex": "F",
                        "relationship": "spouse",
                    },
                ],
            },
            {
                "household_id": "HH-77-2",
                "name": "Phiri household",
                "members": [{"first_name": "Lucy", "last_name": "Phiri", "relationship": "head"}],
            },
        ]
        data, rows = self.ingest(self.body({"households": households}))
        self.assertEqual(data["ack"]["status"], "SUCCESS", "rendered through the data model's response template")
        self.assertEqual(len(rows), 2)
        requests = rows.change_request_id
        self.assertEqual(requests.mapped("target"), ["group", "group"])
        self.assertIn("Role in the household Spouse", text_of(requests[0].diff_html + requests[1].diff_html))
        requests.with_user(self.approver).action_approve()
        group = self.env["res.partner"].search([("reg_id_ids.value", "=", "HH-77-1")])
        self.assertEqual(group.group_member_ids.mapped("kind_ids.code"), ["head", "spouse"])
        self.assertEqual(group.group_member_ids.individual_id.mapped("source_client_id"), self.client)

    def test_bypass_skips_classification(self):
        data, rows = self.ingest(
            self.body({"person": self.person(nid="92000001")}),
            params={"register_id": "individual", "intake_form_id": "PERSON_JSON"},
        )
        self.assertEqual((rows.classification_status, rows.transformation_status), ("skipped", "done"))
        self.assertTrue(rows.change_request_id)

    def test_idempotent_resend(self):
        body = self.body({"person": self.person(nid="93000001")})
        first, rows = self.ingest(body)
        second, again = self.ingest(body)
        self.assertEqual(second["response_header"]["correlation_id"], first["response_header"]["correlation_id"])
        self.assertTrue(second["response_payload"]["duplicate"])
        self.assertEqual(self.Raw.search_count([("message_id", "=", body["header"]["message_id"])]), 1)
        self.assertEqual(self.CR.search_count([("ingest_raw_id", "in", rows.ids)]), 1)

    def test_four_eyes_and_roles(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="94000001")}))
        request = rows.change_request_id
        edited = self.proposed(request)
        edited["family_name"] = "Kamau-Edited"
        request.with_user(self.approver).write({"proposed_values": json.dumps(edited)})
        self.assertEqual(request.last_editor_id, self.approver)
        with self.assertRaisesRegex(UserError, "Four eyes"):
            request.with_user(self.approver).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.officer).action_approve()
        other_approver = new_test_user(self.env, "cr_approver_2", groups="g2p_partner_api.group_registry_approver")
        request.with_user(other_approver).action_approve()
        self.assertEqual(request.registrant_id.family_name, "Kamau-Edited")

    def test_failed_step_retried(self):
        model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        data, rows = self.ingest(
            self.body({"person": {"last_name": "No first name"}}), params={"data_model": "PERSON_JSON"}
        )
        self.assertEqual(
            (rows.state, rows.transformation_status, rows.error_code), ("failed", "failed", "TRANSFORMATION_FAILED")
        )
        self.assertFalse(rows.change_request_id)
        model.transformation_template = model.transformation_template.replace(
            "p.first_name|tojson", 'p.get("first_name", "Unknown")|tojson'
        )
        rows.action_retry()
        self.assertEqual(self.run_jobs(), 2, "transformation and ingestion run again")
        self.assertEqual((rows.state, rows.error_code), ("done", False))
        self.assertEqual(self.proposed(rows.change_request_id)["given_name"], "Unknown")

    def test_batch_runs_in_chunks_and_a_transient_failure_is_split_out(self):
        self.patch(type(self.Raw), "CHUNK_SIZE", 2)
        households = [
            {
                "household_id": f"HH-CH-{i}",
                "name": f"Chunk {i}",
                "members": [{"first_name": "M", "last_name": f"Chunk{i}", "relationship": "head"}],
            }
            for i in range(5)
        ]
        body = self.body({"households": households})
        response = self.post(body)
        self.assertEqual(response.status_code, 200, response.text)
        jobs = self.env["queue.job"].search([("model_name", "=", "g2p.ingest.raw"), ("state", "=", "pending")])
        self.assertEqual(sorted(len(job.records) for job in jobs), [1, 2, 2], "5 items, chunks of 2: 3 jobs, not 5")
        propose = type(self.CR)._propose
        failed_once = []

        def flaky(cr_model, raw, canonical, *checked):
            if raw.item_index == 3 and not failed_once:
                failed_once.append(raw.ingest_id)
                raise OSError("connection to the matching service reset")
            return propose(cr_model, raw, canonical, *checked)

        def batch_down(cr_model, raws, *checked):
            raise OSError("matching service down")

        self.patch(type(self.CR), "_propose", flaky)
        self.patch(type(self.CR), "_propose_batch", batch_down)  # the chunk falls back to item by item
        self.run_jobs()
        rows = self.Raw.search([("message_id", "=", body["header"]["message_id"])], order="item_index")
        self.assertEqual(len(rows), 5)
        self.assertEqual(
            rows.mapped("state"), ["done"] * 5, "the item that hit a transient error went on in its own job"
        )
        self.assertTrue(failed_once)
        single = (
            self.env["queue.job"]
            .search([("model_name", "=", "g2p.ingest.raw"), ("func_string", "ilike", "ingestion")])
            .filtered(lambda j: j.records == rows[3])
        )
        self.assertTrue(single, "the failing item was moved to a job of its own")

    def _person_list_model(self):
        return self.person_list_model("PERSON_LIST")

    def test_auto_approved_chunk_applied_as_one_batch(self):
        self._person_list_model()
        people = [self.person(nid=f"9610000{i}", first=f"Batch{i}") for i in range(4)]
        data, rows = self.ingest(self.body({"people": people}), params={"data_model": "PERSON_LIST"})
        self.assertEqual(rows.mapped("state"), ["done"] * 4)
        requests = rows.change_request_id
        self.assertEqual(requests.mapped("state"), ["applied"] * 4)
        registrants = requests.registrant_id
        self.assertEqual(sorted(registrants.mapped("given_name")), ["Batch0", "Batch1", "Batch2", "Batch3"])
        self.assertEqual(registrants.mapped("source_client_id"), self.client, "provenance kept in the batch")
        self.assertEqual(sorted(registrants.reg_id_ids.mapped("value")), [f"9610000{i}" for i in range(4)])
        self.assertTrue(all("Applied to" in (r.message_ids[:1].body or "") for r in requests))
        jobs = self.env["queue.job"].search(
            [("model_name", "=", "g2p.ingest.raw"), ("func_string", "ilike", "ingestion")]
        )
        self.assertEqual(len(jobs), 1, "one ingestion job for the chunk")

    def test_batch_falls_back_item_by_item_when_items_depend_on_each_other(self):
        self._person_list_model()
        people = [
            self.person(nid="96200001", first="First"),
            self.person(nid="96200001", first="Same id"),
            self.person(nid="96200003", first="Third"),
        ]
        data, rows = self.ingest(self.body({"people": people}), params={"data_model": "PERSON_LIST"})
        requests = rows.change_request_id
        self.assertEqual(len(requests), 3, "every item still gets its change request")
        self.assertEqual(requests.mapped("state"), ["applied"] * 3)
        # as one batch both would be proposed as "add" before either is applied; the batch refuses
        # the repeated identifier and item by item the second finds the registrant the first created
        self.assertEqual(requests.mapped("operation"), ["add", "update", "add"])
        self.assertEqual(requests[1].registrant_id, requests[0].registrant_id)
        self.assertEqual(requests[1].registrant_id.given_name, "Same id")
        self.assertEqual(self.env["res.partner"].search_count([("reg_id_ids.value", "=", "96200001")]), 1)

    def test_auto_approve_is_explicit(self):
        self.env.ref("g2p_partner_ingest.data_model_person_json").auto_approve = True
        data, rows = self.ingest(self.body({"person": self.person(nid="95000001")}))
        self.assertEqual(rows.change_request_id.state, "applied")
        self.assertTrue(self.env["res.partner"].search([("reg_id_ids.value", "=", "95000001")]))

    def test_unexpected_error_is_500_in_envelope(self):
        def explode(*args, **kwargs):
            raise RuntimeError("secret internals: password=hunter2")

        with mute_logger("odoo.addons.g2p_partner_ingest.services.ingest_envelope"):
            self.patch(type(self.Raw), "create", explode)
            response = self.post(self.body({"person": self.person(nid="96000001")}))
        self.assertEqual(response.status_code, 200)
        header = response.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "INTERNAL_ERROR"))
        self.assertNotIn("hunter2", response.text)

"""Ingest signatures, replay, who signs, attribution and abuse limits, attacked through the mounted app (issue #15)."""

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.g2p_ingest_detection_pattern import G2PIngestDetectionPattern
from .common import IngestCase


@tagged("post_install", "-at_install")
class TestIngestTrust(IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_manager = new_test_user(cls.env, "it_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.admin = new_test_user(cls.env, "it_admin", groups="base.group_user,base.group_system")

    def assertRefused(self, response, code, status=200):
        self.assertEqual(response.status_code, status, response.text)
        header = response.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code), header)
        return header

    def _last_audit(self):
        return self._audit_rows(resource="/partner/ingest_data")[:1]

    # --- item 5: the signature binds the message id and a time -------------------------------
    def test_replay_with_a_new_message_id_refused(self):
        captured = self.body({"person": self.person(nid="97100001")})
        data, rows = self.ingest(captured)
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS")
        count = self.received_count()
        replay = dict(captured, header=dict(captured["header"], message_id=str(uuid.uuid4())))
        header = self.assertRefused(self.post(replay), "REQUEST_VALIDATION_ERROR")
        self.assertIn("message id", header["error_message"])
        self.assertEqual(self.received_count(), count, "no new raw row")
        self.assertFalse(self.Raw.search_count([("message_id", "=", replay["header"]["message_id"])]))

    def test_signature_without_binding_or_outside_the_window_refused(self):
        message = {"person": self.person(nid="97200001")}
        unbound = self.body(message)
        unbound["signature"] = jwt.encode(message, self.key, algorithm="ES256")  # the old form: message only
        self.assertRefused(self.post(unbound), "REQUEST_VALIDATION_ERROR")
        self.assertRefused(self.post(self.body(message, issued_at=time.time() - 11 * 60)), "REQUEST_VALIDATION_ERROR")
        self.assertRefused(self.post(self.body(message, issued_at=time.time() + 11 * 60)), "REQUEST_VALIDATION_ERROR")
        self.env["ir.config_parameter"].set_param("g2p_partner_ingest.signature_window_seconds", "60")
        self.assertRefused(self.post(self.body(message, issued_at=time.time() - 120)), "REQUEST_VALIDATION_ERROR")
        self.assertFalse(self.received_count())
        data, rows = self.ingest(self.body(message, issued_at=time.time() - 30))
        self.assertEqual((data["response_header"]["response_status"], len(rows)), ("SUCCESS", 1))

    # --- item 6: the client decides whether it must sign, never the caller --------------------
    def test_signature_required_whatever_data_model_the_caller_picks(self):
        unsigned_model = self.env.ref("g2p_partner_ingest.data_model_person_json").copy(
            {
                "mnemonic": "PERSON_NOSIG",
                "key_path_signature": False,
                "auto_approve": True,
                "detection_pattern_ids": False,
            }
        )
        message = {"person": self.person(nid="97300001")}
        for params in (
            {"data_model": "PERSON_JSON"},
            {"data_model": unsigned_model.mnemonic},
            {"register_id": "individual", "intake_form_id": unsigned_model.mnemonic},
        ):
            self.assertRefused(self.post(self.body(message, sign=False), params=params), "INVALID_REQUEST")
            forged = self.post(self.body(message, key=ec.generate_private_key(ec.SECP256R1())), params=params)
            self.assertIn(
                forged.json()["response_header"]["error_code"], ("INVALID_REQUEST", "REQUEST_VALIDATION_ERROR")
            )
        self.assertFalse(self.received_count())
        self.assertFalse(self.env["res.partner"].search([("reg_id_ids.value", "=", "97300001")]))

    def test_only_an_administrator_accepts_unsigned_ingest_for_a_client(self):
        with self.assertRaises(AccessError):
            self.client.with_user(self.api_manager).write({"ingest_allow_unsigned": True})
        with self.assertRaises(AccessError):
            self.Client.with_user(self.api_manager).create(
                {"name": "Lax", "partner_mnemonic": "LAX", "ingest_allow_unsigned": True}
            )
        self.assertFalse(self.client.ingest_allow_unsigned)
        self.assertFalse(self.Client.search([("partner_mnemonic", "=", "LAX")]))
        self.assertRefused(self.post(self.body({"person": self.person(nid="97400001")}, sign=False)), "INVALID_REQUEST")
        self.client.with_user(self.admin).write({"ingest_allow_unsigned": True})
        data, rows = self.ingest(self.body({"person": self.person(nid="97400001")}, sign=False))
        self.assertEqual((data["response_header"]["response_status"], len(rows)), ("SUCCESS", 1))
        self.client.with_user(self.api_manager).write({"ingest_allow_unsigned": False})  # back to safe: anyone may

    def test_intake_bypass_cannot_pair_one_model_checks_with_another_auto_approve(self):
        list_model = self.env.ref("g2p_partner_ingest.data_model_person_json").copy(
            {
                "mnemonic": "PERSON_LIST_AUTO",
                "is_list": True,
                "key_path_list_elements": "$.body.message.people",
                "max_items": 1,
                "auto_approve": True,
                "detection_pattern_ids": False,
            }
        )
        people = {"people": [self.person(nid="97500001"), self.person(nid="97500002")]}
        mixed = {"data_model": "PERSON_JSON", "register_id": "individual", "intake_form_id": list_model.mnemonic}
        self.assertRefused(self.post(self.body(people), params=mixed), "INVALID_REQUEST")
        # the bypass names the model whose checks apply: its own max_items holds
        bypass = {"register_id": "individual", "intake_form_id": list_model.mnemonic}
        header = self.assertRefused(self.post(self.body(people), params=bypass), "INVALID_REQUEST")
        self.assertIn("At most 1", header["error_message"])
        self.assertFalse(self.received_count())
        self.assertFalse(self.env["res.partner"].search([("reg_id_ids.value", "in", ["97500001", "97500002"])]))

    # --- item 7: attribution only after verification -----------------------------------------
    def test_forged_request_is_not_attributed_to_the_partner_it_claims(self):
        forged = self.body({"person": self.person(nid="97600001")}, key=ec.generate_private_key(ec.SECP256R1()))
        self.assertRefused(self.post(forged), "REQUEST_VALIDATION_ERROR")
        row = self._last_audit()
        self.assertFalse(row.client_id, "not attributed to KOBO")
        self.assertEqual(
            (row.actor, row.outcome, row.error_code),
            ("unauthenticated (claimed 'KOBO')", "failure", "REQUEST_VALIDATION_ERROR"),
        )
        self.assertFalse(self._audit_rows(client_id=self.client.id))
        self.ingest(self.body({"person": self.person(nid="97600002")}))
        self.assertEqual((self._last_audit().client_id, self._last_audit().actor), (self.client, "KOBO"))

    # --- item 8: size while reading, time-limited detection after the sender is known ---------
    def test_oversize_bodies_refused_while_read(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_ingest.max_body_bytes", "2048")

        def chunks():
            yield b'{"header": {"message_id": "big", "sender_id": "KOBO"}, "message": {"padding": "'
            for _ in range(20):
                yield b"x" * 512
            yield b'"}}'

        with self._api() as api:
            chunked = api.post("/partner/ingest_data", content=chunks(), headers={"Content-Type": "application/json"})
            self.assertNotIn("content-length", chunked.request.headers, "sent chunked, no declared length")
            declared = api.post(
                "/partner/ingest_data", content=b"{" + b" " * 4096 + b"}", headers={"Content-Type": "application/json"}
            )
        for response in (chunked, declared):
            self.assertRefused(response, "PAYLOAD_TOO_LARGE", status=413)
        self.assertEqual(self._last_audit().error_code, "PAYLOAD_TOO_LARGE")
        self.assertFalse(self.received_count())
        data, rows = self.ingest(self.body({"person": self.person(nid="97700001")}))
        self.assertEqual(len(rows), 1, "a body under the limit goes through")

    def test_catastrophic_detection_pattern_is_bounded_and_runs_only_for_known_senders(self):
        probe = self.env.ref("g2p_partner_ingest.data_model_person_json").copy({"mnemonic": "AAA_PROBE"})
        probe.detection_pattern_ids = [(5,), (0, 0, {"json_path": "$.body.message.probe", "regex": "(a|aa)+b"})]
        calls = []
        matches = G2PIngestDetectionPattern._matches

        def counted(pattern, wrapped):
            calls.append(pattern.data_model_id.mnemonic)
            return matches(pattern, wrapped)

        self.patch(G2PIngestDetectionPattern, "_matches", counted)
        self.assertRefused(self.post(self.body({"probe": "a" * 64}, sender="STRANGER")), "PARTNER_NOT_REGISTERED")
        self.assertEqual(calls, [], "no pattern runs on a payload from an unknown sender")
        started = time.perf_counter()
        with mute_logger("odoo.addons.g2p_partner_ingest.routers.ingest"):
            header = self.assertRefused(self.post(self.body({"probe": "a" * 64})), "DATA_MODEL_NOT_FOUND")
        self.assertLess(time.perf_counter() - started, 10, "bounded by the pattern's time limit")
        self.assertIn("took too long", header["error_message"])
        self.assertEqual(self._last_audit().error_code, "DATA_MODEL_NOT_FOUND")
        self.assertFalse(self.received_count())

"""The ingest answers (dry run, ingest_status) never tell a sender whether a person it may not read is in
the register (issue #25): an UPDATE of an unreadable registrant answers as an item about an unknown one."""

import json

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import IngestCase, public_pem

NID_UNREADABLE = "77700001"
NID_READABLE = "77700002"
NID_UNKNOWN = "77799999"
WRITTEN_MODELS = ("g2p.ingest.raw", "g2p.change.request", "res.partner", "queue.job")


@tagged("post_install", "-at_install")
class TestIngestAnswersAlike(IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # reads under consent only (no legal basis): ``seen`` but not ``hidden``
        cls.sender, cls.sender_secret = cls._create_client(
            "Consent-only collector",
            scopes=["individual:read", "ingest:write"],
            legal_basis=None,
            partner_mnemonic="CONSENTONLY",
            public_key=public_pem(cls.key),
        )
        national = cls.env.ref("g2p_partner_api.id_type_national_id")
        Partner = cls.env["res.partner"]

        def registrant(given, nid):
            return Partner.create(
                {
                    "is_registrant": True,
                    "given_name": given,
                    "family_name": "Zzingestoracle",
                    "birthdate": "1979-01-02",
                    "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": nid})],
                }
            )

        cls.hidden = registrant("Hidden", NID_UNREADABLE)
        cls.seen = registrant("Seen", NID_READABLE)
        cls.env["g2p.consent"].create(
            {
                "partner_id": cls.seen.id,
                "client_id": cls.sender.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_individual_read").ids)],
                "evidence_reference": "FORM-I",
            }
        )

    def _message(self, nid):
        return {"person": self.person(nid=nid, first="Probe", last="Zzingestoracle", dob="1979-01-02")}

    def _counts(self):
        return {model: self.env[model].with_context(active_test=False).search_count([]) for model in WRITTEN_MODELS}

    def _dry_run_item(self, nid):
        before = self._counts()
        response = self.post(self.body(self._message(nid), sender="CONSENTONLY"), {"dry_run": "true"})
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        self.assertEqual(self._counts(), before, "a dry run writes nothing")
        [item] = response.json()["response_payload"]["items"]
        return item

    def _status_item(self, nid):
        return self._status_of_message(self._message(nid))

    def _status_of_message(self, message):
        data, rows = self.ingest(self.body(message, sender="CONSENTONLY"))
        with self._api() as api:
            response = api.get(
                f"/partner/ingest_status/{rows.correlation_id}", headers=self._auth(self.sender, self.sender_secret)
            )
        self.assertEqual(response.status_code, 200, response.text)
        [item] = response.json()["items"]
        return rows, item

    def _alike(self, item, nid):
        """The item without what differs by the request alone (its ids, the identifier it sent)."""
        text = json.dumps({k: v for k, v in item.items() if k not in ("ingest_id", "change_request")}, sort_keys=True)
        return text.replace(nid, "…")

    def test_dry_run_update_of_unreadable_answers_as_unknown(self):
        unreadable = self._dry_run_item(NID_UNREADABLE)
        unknown = self._dry_run_item(NID_UNKNOWN)
        self.assertEqual((unreadable["operation"], unreadable["registrant"]), ("ADD_OR_UPDATE", None))
        self.assertEqual(self._alike(unreadable, NID_UNREADABLE), self._alike(unknown, NID_UNKNOWN))
        self.assertNotIn(self.hidden.uuid, json.dumps(unreadable))
        readable = self._dry_run_item(NID_READABLE)
        self.assertEqual((readable["operation"], readable["registrant"]), ("UPDATE", self.seen.uuid))

    def test_ingest_status_of_unreadable_update_answers_as_unknown(self):
        unreadable_rows, unreadable = self._status_item(NID_UNREADABLE)
        unknown_rows, unknown = self._status_item(NID_UNKNOWN)
        self.assertEqual(
            (unreadable_rows.change_request_id.operation, unreadable_rows.change_request_id.registrant_id),
            ("update", self.hidden),
            "staff see the update of the registered person",
        )
        self.assertEqual(unknown_rows.change_request_id.operation, "add")
        self.assertEqual(unreadable["operation"], "ADD_OR_UPDATE")
        self.assertEqual(self._alike(unreadable, NID_UNREADABLE), self._alike(unknown, NID_UNKNOWN))
        self.assertNotIn(self.hidden.uuid, json.dumps(unreadable))
        self.assertNotIn("Hidden", json.dumps(unreadable))
        _rows, readable = self._status_item(NID_READABLE)
        self.assertEqual(readable["operation"], "UPDATE")

    def test_sender_reading_under_a_legal_basis_is_told_add_and_update(self):
        # the class's KOBO client reads every registrant: nothing is hidden from it
        add = self.post(self.body(self._message(NID_UNKNOWN)), {"dry_run": "true"}).json()
        update = self.post(self.body(self._message(NID_UNREADABLE)), {"dry_run": "true"}).json()
        self.assertEqual(add["response_payload"]["items"][0]["operation"], "ADD")
        self.assertEqual(
            (update["response_payload"]["items"][0]["operation"], update["response_payload"]["items"][0]["registrant"]),
            ("UPDATE", self.hidden.uuid),
        )

    # --- the duplicate check, with a data model that approves automatically (or rejects possible duplicates) ---
    def _like_someone(self, family, given, birthdate):
        return self.env["res.partner"].create(
            {"is_registrant": True, "given_name": given, "family_name": family, "birthdate": birthdate}
        )

    def _status_of(self, nid, given, family, birthdate):
        return self._status_of_message({"person": self.person(nid=nid, first=given, last=family, dob=birthdate)})

    def test_automatic_approval_answers_alike_whoever_similar_it_may_not_read(self):
        person_model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        approver = new_test_user(self.env, "oracle_dup_approver", groups="g2p_partner_api.group_registry_approver")
        for policy, given, family, birthdate in (
            ("flag", "Nomsa", "Zzduplicateoracle", "1983-04-05"),
            ("reject", "Chisomo", "Zzlookalikeprobe", "1984-06-07"),
        ):
            hidden = self._like_someone(family, given, birthdate)
            person_model.write({"auto_approve": True, "duplicate_policy": policy})
            like_rows, like = self._status_of(f"7771000{len(policy)}", given, family, birthdate)
            new_rows, new = self._status_of(f"7772000{len(policy)}", "Tamara", f"Zzunlike{policy}", "1961-02-03")
            request = like_rows.change_request_id
            self.assertEqual(request.duplicate_ids.partner_id, hidden, "staff see the possible duplicate")
            self.assertTrue(request.possible_duplicate)
            self.assertEqual(
                (request.state, new_rows.change_request_id.state), ("applied", "applied"), f"policy {policy}"
            )
            self.assertNotEqual(request.registrant_id, hidden)
            self.assertEqual(
                self._alike(like, f"7771000{len(policy)}"), self._alike(new, f"7772000{len(policy)}"), policy
            )
            self.assertEqual((like["possible_duplicate"], like["error_code"]), (False, None))
            self.assertNotIn(hidden.uuid, json.dumps(like))
            applied_flagged = self.CR.search([("possible_duplicate", "=", True), ("state", "=", "applied")])
            self.assertIn(request, applied_flagged, "the filter *Applied before a duplicate was decided*")
            self.assertTrue(
                any("before anyone decided its possible duplicates" in m.body for m in request.message_ids),
                "the note staff read",
            )
        # staff decide afterwards: not a duplicate, on the applied request (a merge has nothing left to merge)
        line = request.duplicate_ids
        with self.assertRaises(UserError):
            line.with_user(approver).action_merge()
        line.with_user(approver).action_not_duplicate()
        self.assertEqual((line.resolution, line.resolved_by_id), ("dismissed", approver))
        self.assertFalse(request.possible_duplicate)
        self.assertNotIn(request, self.CR.search([("possible_duplicate", "=", True), ("state", "=", "applied")]))

    def test_a_candidate_the_sender_may_read_still_holds_or_refuses_the_item(self):
        person_model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        person_model.write({"auto_approve": True})
        # the consented ``seen``: the sender learns nothing it may not read from being told of them
        rows, item = self._status_of("77730001", "Seen", "Zzingestoracle", "1979-01-02")
        self.assertEqual(rows.change_request_id.state, "pending", "held for a person")
        self.assertEqual((item["possible_duplicate"], item["change_request_state"]), (True, "pending"))
        self.assertIn(self.seen.uuid, item["duplicate_candidates"])
        self.assertNotIn(self.hidden.uuid, item["duplicate_candidates"])
        person_model.duplicate_policy = "reject"
        rows, item = self._status_of("77730002", "Seen", "Zzingestoracle", "1979-01-02")
        self.assertEqual((rows.state, rows.error_code), ("failed", "DUPLICATE_SUSPECTED"))
        self.assertIn(self.seen.uuid, item["duplicate_candidates"])
        self.assertNotIn(self.hidden.uuid, item["duplicate_candidates"])

"""The ingest answers (dry run, ingest_status) never tell a sender whether a person it may not read is in
the register (issue #25): an UPDATE of an unreadable registrant answers as an item about an unknown one."""

import json

from odoo.tests import tagged

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
        data, rows = self.ingest(self.body(self._message(nid), sender="CONSENTONLY"))
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

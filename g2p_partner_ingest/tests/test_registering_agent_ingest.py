import json

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .test_follow_submissions import FollowCase

CONSENT = {"scopes": ["individual:read"], "evidence_reference": "PAPER-FORM-7781"}


@tagged("post_install", "-at_install")
class TestRegisteringAgentIngest(FollowCase):
    """An ingest item may carry the registrant's consent for its sender, a registering agent: shown to the reviewer,
    recorded when applied; from any other sender the item fails and nothing is proposed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "is_registering_agent" not in cls.Client._fields:
            cls.skipTest(cls, "g2p_api_consent is not installed")
        cls.client.write({"legal_basis_enabled": False, "is_registering_agent": True})

    def with_consent(self, nid, consent=None):
        return self.body({"person": self.person(nid=nid, last="Agentsend"), "consent": consent or CONSENT})

    def test_consent_shown_to_the_reviewer_and_recorded_when_applied(self):
        _data, rows = self.ingest(self.with_consent("90000901"))
        request = rows.change_request_id
        self.assertEqual(request.state, "pending")
        self.assertIn("individual:read", request.consent_summary)
        self.assertIn("PAPER-FORM-7781", request.consent_summary)
        self.assertIn("Kobo collect", request.consent_summary)
        self.assertIsNone(self.status_of(rows)["registrant"])
        request.with_user(self.approver).action_approve()
        person = request.registrant_id
        consent = person.consent_ids
        self.assertEqual(
            (consent.client_id, consent.scope_ids.mapped("code"), consent.evidence_reference),
            (self.client, ["individual:read"], "PAPER-FORM-7781"),
        )
        self.assertEqual((consent.source_client_id, consent.source_system), (self.client, "kobo"), "provenance")
        self.assertEqual(self.status_of(rows)["registrant"], person.uuid, "the agent reads back whom it registered")
        with self._api(self.rest_endpoint) as api:
            read = api.get(f"/api/v2/Individual/{person.uuid}", headers=self._auth(self.client, self.secret))
        self.assertEqual(read.status_code, 200, read.text)

    def test_sender_that_is_no_agent_fails_and_nothing_is_proposed(self):
        self.client.is_registering_agent = False
        _data, rows = self.ingest(self.with_consent("90000902"))
        self.assertEqual((rows.state, rows.error_code, rows.change_request_id.id), ("failed", "CONSENT_REFUSED", False))
        self.assertIn("consent", self.status_of(rows)["reason"])
        self.assertFalse(self.env["res.partner"].search([("family_name", "=", "Agentsend")]))
        self.assertFalse(self.env["g2p.consent"].search([("client_id", "=", self.client.id)]))

    def test_dry_run_refuses_it_too(self):
        self.client.is_registering_agent = False
        response = self.post(self.with_consent("90000903"), params={"dry_run": "true"})
        (item,) = response.json()["response_payload"]["items"]
        self.assertEqual(item["error_code"], "CONSENT_REFUSED")

    def test_consent_for_scopes_the_agent_does_not_hold_fails(self):
        _data, rows = self.ingest(self.with_consent("90000904", dict(CONSENT, scopes=["group:read"])))
        self.assertEqual((rows.error_code, rows.change_request_id.id), ("CONSENT_REFUSED", False))
        self.assertIn("consent.scopes", rows.error_message)

    def test_consent_for_someone_registered_waits_for_a_person_even_with_auto_approval(self):
        self.env.ref("g2p_partner_ingest.data_model_person_json").auto_approve = True
        registered = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Known",
                "family_name": "Person",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "90000905"})
                ],
            }
        )
        _data, rows = self.ingest(self.with_consent("90000905"))
        request = rows.change_request_id
        self.assertEqual((request.operation, request.state, request.registrant_id), ("update", "pending", registered))
        self.assertFalse(registered.consent_ids)
        self.assertEqual(self.status_of(rows)["registrant"], None, "not readable before a person approves")
        # a new person with consent is applied by the auto-approval as any other
        _data, rows = self.ingest(self.with_consent("90000906"))
        self.assertEqual(rows.change_request_id.state, "applied")
        self.assertTrue(rows.change_request_id.registrant_id.consent_ids)

    def test_staff_do_not_edit_the_consent(self):
        _data, rows = self.ingest(self.with_consent("90000907"))
        request = rows.change_request_id
        officer = new_test_user(self.env, "agent_officer", groups="g2p_partner_api.group_registry_officer")
        edited = self.proposed(request)
        edited["consent"]["scopes"] = ["individual:read", "group:read"]
        with self.assertRaises(ValidationError):
            request.with_user(officer).write({"proposed_values": json.dumps(edited)})
        self.assertEqual(self.proposed(request)["consent"]["scopes"], ["individual:read"])

import json
from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.services.registry_calendar import REGISTRY_TZ_PARAM, registry_date, registry_today

from .test_follow_submissions import FollowCase

CONSENT = {"scopes": ["individual:read"], "evidence_reference": "PAPER-FORM-7781"}


class RegisteringAgentCase(FollowCase):
    """The sender, a registering agent (g2p_api_consent) reading under consent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "is_registering_agent" not in cls.Client._fields:
            cls.skipTest(cls, "g2p_api_consent is not installed")
        cls.client.write({"legal_basis_enabled": False, "is_registering_agent": True})


@tagged("post_install", "-at_install")
class TestRegisteringAgentIngest(RegisteringAgentCase):
    """An ingest item may carry the registrant's consent for its sender, a registering agent: shown to the reviewer,
    recorded when applied; from any other sender the item fails and nothing is proposed."""

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


@tagged("post_install", "-at_install")
class TestIngestConsentAppliedByTheRegistrysDay(RegisteringAgentCase):
    """A change request recorded the consent an ingest item carries as of the UTC date of the item's ``create_date``
    (eighth audit), while its acceptance checked it against ``registry_today``: in a registry east of UTC, late in
    the UTC day, a registering agent's consent given on the registry's today was accepted when received, then
    refused as "given in the future" when a person approved it. It is now recorded as of the registry's day of
    receipt (``registry_date``), the day its acceptance checked."""

    def _received_at(self, rows, moment):
        """``rows`` and their change request received at ``moment`` (the database's clock is not frozen)."""
        self.env.cr.execute("UPDATE g2p_ingest_raw SET create_date = %s WHERE id = ANY(%s)", [moment, rows.ids])
        requests = rows.change_request_id.ids
        self.env.cr.execute("UPDATE g2p_change_request SET create_date = %s WHERE id = ANY(%s)", [moment, requests])
        self.env.invalidate_all()

    def test_consent_given_on_the_registrys_day_is_recorded_when_applied(self):
        received_day = self.env.cr.now().date()
        received = datetime.combine(received_day, time(23, 30))
        with freeze_time(received):
            self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, "Pacific/Kiritimati")  # UTC+14
            registry_day = registry_today(self.env)
            self.assertEqual(registry_day, received_day + timedelta(days=1))
            self.assertEqual(registry_date(self.env, received), registry_day)
            consent = {"scopes": ["individual:read"], "evidence_reference": "AUDIT13-TZ", "given_on": str(registry_day)}
            person = self.person(nid="90013001", last="Zzaudit13tz")
            _data, rows = self.ingest(self.body({"person": person, "consent": consent}))
            request = rows.change_request_id
            self.assertEqual((rows.error_code, request.state), (False, "pending"), "accepted when received")
            self._received_at(rows, received)
            request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied", request.error_message)
        registrant = self.env["res.partner"].search([("family_name", "=", "Zzaudit13tz")])
        self.assertEqual(registrant, request.registrant_id)
        self.assertEqual(
            (registrant.consent_ids.client_id, registrant.consent_ids.given_date), (self.client, registry_day)
        )

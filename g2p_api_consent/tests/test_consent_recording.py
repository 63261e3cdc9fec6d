"""Consent recorded through the API cannot be handed to a colluder, and its answers tell nothing about
registrants the caller may not read (issue #25)."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_partner_api.services.registry_calendar import REGISTRY_TZ_PARAM, registry_today, registry_tz
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase, JsonRpcAttackMixin

from .test_consent_pull import _consent_vals

UNKNOWN_UUID = "00000000-0000-4000-8000-00000000dead"
NATIONAL_ID = "urn:g2p:id:national-id"


@tagged("post_install", "-at_install")
class TestConsentRecordingLimits(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_group = cls.env.ref("g2p_partner_api.scope_group_read")
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        # the recorder reads under consent only: it reads ``seen``, not ``hidden``
        cls.recorder, cls.recorder_secret = cls._create_client(
            "Field tool", scopes=["individual:read", "group:read", "consent:write"], legal_basis=None
        )
        cls.recipient, cls.recipient_secret = cls._create_client(
            "Cash provider", scopes=["individual:read"], legal_basis=None
        )
        cls.colluder, cls.colluder_secret = cls._create_client(
            "Colluder", scopes=["individual:read", "individual:write"], legal_basis=None
        )
        cls.recorder.write(
            {
                "consent_recipient_ids": [(6, 0, cls.recipient.ids)],
                "consent_scope_ids": [(6, 0, cls.scope_read.ids)],
            }
        )
        national = cls.env.ref("g2p_partner_api.id_type_national_id")
        Partner = cls.env["res.partner"]
        cls.seen = Partner.create(
            {
                "is_registrant": True,
                "given_name": "Seen",
                "family_name": "Zzrecord",
                "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": "55500001"})],
            }
        )
        cls.hidden = Partner.create(
            {
                "is_registrant": True,
                "given_name": "Hidden",
                "family_name": "Zzrecord",
                "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": "55500002"})],
            }
        )
        cls.recorder_consent = cls.env["g2p.consent"].create(
            {
                "partner_id": cls.seen.id,
                "client_id": cls.recorder.id,
                "purpose_id": cls.purpose.id,
                "scope_ids": [(6, 0, cls.scope_read.ids)],
                "evidence_reference": "FORM-R",
            }
        )

    def _body(self, **overrides):
        return dict(
            {
                "registrant": self.seen.uuid,
                "recipient": self.recipient.client_id,
                "purpose": {"system": "urn:g2p:vocab:consent-purpose", "code": "payment"},
                "scopes": ["individual:read"],
                "evidence_reference": "FIELD-FORM-9",
            },
            **overrides,
        )

    def _post(self, body):
        with self._api() as api:
            return api.post("/api/v2/Consent", json=body, headers=self._auth(self.recorder, self.recorder_secret))

    def _read(self, partner, client, secret):
        """200 when ``client`` reads ``partner``; else 404, once checked to be the answer of a uuid nobody holds."""
        headers = self._auth(client, secret)
        with self._api() as api:
            status = api.get(f"/api/v2/Individual/{partner.uuid}", headers=headers).status_code
            if status != 200:
                self.assert_answered_as_unknown(api, "GET", "/api/v2/Individual/{uuid}", partner.uuid, headers=headers)
            return status

    def _consents(self):
        return self.env["g2p.consent"].search_read([], ["partner_id", "client_id", "scope_ids", "given_date", "state"])

    def _refused(self, body, status, code, field=None):
        before = self._consents()
        response = self._post(body)
        self.assertEqual((response.status_code, response.json()["code"]), (status, code), response.text)
        if field:
            self.assertEqual(self.problem_locations(response)[0], field)
        self.assertEqual(self._consents(), before, "nothing stored")
        return response

    def test_consent_for_a_recipient_not_allowed_is_refused(self):
        self.assertEqual(self._read(self.seen, self.colluder, self.colluder_secret), 404)
        named = self._refused(
            self._body(recipient=self.colluder.client_id), 403, "consent_recipient_forbidden", "/recipient"
        )
        unknown = self._refused(
            self._body(recipient="g2p-no-such-client"), 403, "consent_recipient_forbidden", "/recipient"
        )
        self.assertEqual(named.json(), unknown.json(), "an existing client and an unknown one answer alike")
        self._refused(self._body(recipient=self.recorder.client_id), 403, "consent_recipient_forbidden")
        self.assertEqual(
            self._read(self.seen, self.colluder, self.colluder_secret), 404, "the colluder still reads nothing"
        )

    def test_write_scope_and_scopes_not_allowed_are_refused(self):
        for scopes in (["individual:write"], ["individual:read", "individual:write"], ["group:read"]):
            self._refused(self._body(scopes=scopes), 403, "consent_scope_forbidden", "/scopes")
        self._refused(self._body(scopes=["no:such"]), 422, "validation_error", "/scopes")
        self.assertEqual(self._read(self.seen, self.recipient, self.recipient_secret), 404)

    def test_backdated_future_and_inverted_dates_are_refused(self):
        today = date.today()
        self._refused(self._body(given_date=str(today - timedelta(days=30))), 422, "validation_error", "/given_date")
        self._refused(self._body(given_date=str(today - timedelta(days=8))), 422, "validation_error", "/given_date")
        self._refused(self._body(given_date=str(today + timedelta(days=1))), 422, "validation_error", "/given_date")
        self._refused(self._body(expiry_date=str(today)), 422, "validation_error", "/expiry_date")
        self.assertEqual(self._read(self.seen, self.recipient, self.recipient_secret), 404)
        self.env["ir.config_parameter"].set_param("g2p_api_consent.max_backdate_days", "30")
        allowed = self._post(self._body(given_date=str(today - timedelta(days=30))))
        self.assertEqual(allowed.status_code, 201, allowed.text)

    @freeze_time("2026-12-07 20:30:00")
    def test_the_day_of_an_api_call_is_the_registrys(self):
        """At 05:30 on the 8th in Tokyo (20:30 UTC on the 7th), a consent a field tool records as given on the 8th is
        one from the future for a registry in UTC, and today's for one in Tokyo, whatever the time zone of the
        endpoint's technical user (``g2p_partner_api.registry_tz``, docs/deployment.md)."""
        given = str(date(2026, 12, 8))
        self.endpoint.user_id.tz = "Asia/Tokyo"
        self._refused(self._body(given_date=given), 422, "validation_error", "/given_date")
        self.endpoint.user_id.tz = "UTC"
        self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, "Asia/Tokyo")
        created = self._post(self._body(given_date=given))
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(created.json()["given_date"], given)

    def test_allowed_recipient_and_read_scope_work(self):
        self.assertEqual(self._read(self.seen, self.recipient, self.recipient_secret), 404)
        created = self._post(self._body(given_date=str(date.today() - timedelta(days=2))))
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(
            (created.json()["registrant"], created.json()["recipient"], created.json()["scopes"]),
            (self.seen.uuid, self.recipient.client_id, ["individual:read"]),
        )
        self.assertEqual(self._read(self.seen, self.recipient, self.recipient_secret), 200)
        self.assertEqual(self._read(self.seen, self.colluder, self.colluder_secret), 404)

    def test_unknown_and_unreadable_registrants_answer_alike(self):
        answers = []
        for body in (
            self._body(registrant=self.hidden.uuid),
            self._body(registrant=UNKNOWN_UUID),
            self._body(registrant=None, registrant_identifier={"system": NATIONAL_ID, "value": "55500002"}),
            self._body(registrant=None, registrant_identifier={"system": NATIONAL_ID, "value": "55599999"}),
        ):
            response = self._refused(body, 422, "validation_error")
            self.assertNotIn(self.hidden.uuid, response.text)
            self.assertNotIn("Hidden", response.text)
            answers.append((response.status_code, response.json(), sorted(response.headers.keys())))
        self.assertEqual(answers[0], answers[1], "an unreadable uuid answers as an unknown one")
        self.assertEqual(answers[2], answers[3], "an unreadable identifier answers as an unknown one")
        self.assertEqual(self._read(self.hidden, self.recipient, self.recipient_secret), 404)

    def test_answers_name_the_registrant_only_while_the_caller_reads_it(self):
        created = self._post(self._body())
        self.assertEqual(created.json()["registrant"], self.seen.uuid)
        self.recorder_consent.action_withdraw("no longer")
        with self._api() as api:
            read = api.get(
                f"/api/v2/Consent/{created.json()['uuid']}", headers=self._auth(self.recorder, self.recorder_secret)
            )
        self.assertEqual(read.status_code, 200, read.text)
        self.assertIsNone(read.json()["registrant"])
        self.assertNotIn(self.seen.uuid, read.text)


@tagged("post_install", "-at_install")
class TestConsentRecordingRightsOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    """Who decides what a client may record, and what staff may record, attacked over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user("cr_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls.officer = cls._user("cr_officer", "base.group_user,g2p_partner_api.group_registry_officer")
        cls.admin_user = cls._user("cr_admin", "base.group_user,base.group_system,g2p_partner_api.group_api_manager")
        Client = cls.env["g2p.api.client"]
        cls.recorder = Client.create({"name": "Recorder"})
        cls.colluder = Client.create({"name": "Colluder"})
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_write = cls.env.ref("g2p_partner_api.scope_individual_write")
        cls.person = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Rpc", "family_name": "Person"}
        )
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")

    def _settings(self):
        self.env.invalidate_all()
        return self.recorder.sudo().read(["consent_recipient_ids", "consent_scope_ids"])

    def test_api_manager_cannot_allow_recipients_or_scopes(self):
        before = self._settings()
        self._as("cr_manager")
        for vals in (
            {"consent_recipient_ids": [(6, 0, self.colluder.ids)]},
            {"consent_scope_ids": [(6, 0, self.scope_read.ids)]},
        ):
            _result, raised = self.call_kw("g2p.api.client", "write", [[self.recorder.id], vals])
            self.assertEqual(raised, "odoo.exceptions.AccessError", vals)
            _result, raised = self.call_kw("g2p.api.client", "create", [dict(vals, name="Sneaky")])
            self.assertEqual(raised, "odoo.exceptions.AccessError", vals)
        self.assertEqual(self._settings(), before)
        self.assertFalse(self.env["g2p.api.client"].search([("name", "=", "Sneaky")]))

    def test_administrator_allows_read_scopes_only(self):
        self._as("cr_admin")
        _result, raised = self.call_kw(
            "g2p.api.client",
            "write",
            [
                [self.recorder.id],
                {
                    "consent_recipient_ids": [(6, 0, self.colluder.ids)],
                    "consent_scope_ids": [(6, 0, self.scope_read.ids)],
                },
            ],
        )
        self.assertIsNone(raised)
        self.assertEqual(self._settings()[0]["consent_recipient_ids"], self.colluder.ids)
        _result, raised = self.call_kw(
            "g2p.api.client", "write", [[self.recorder.id], {"consent_scope_ids": [(4, self.scope_write.id)]}]
        )
        self.assertEqual(raised, "odoo.exceptions.ValidationError")
        self.assertEqual(self._settings()[0]["consent_scope_ids"], self.scope_read.ids)

    def _consent_vals(self, scopes):
        return {
            "partner_id": self.person.id,
            "client_id": self.colluder.id,
            "purpose_id": self.purpose.id,
            "scope_ids": [(6, 0, scopes.ids)],
            "evidence_reference": "PAPER-1",
        }

    def test_officer_records_read_consent_never_write_consent(self):
        Consent = self.env["g2p.consent"]
        before = Consent.search_count([])
        self._as("cr_officer")
        for scopes in (self.scope_write, self.scope_read | self.scope_write):
            _result, raised = self.call_kw("g2p.consent", "create", [self._consent_vals(scopes)])
            self.assertEqual(raised, "odoo.exceptions.AccessError")
        self.assertEqual(Consent.search_count([]), before, "nothing stored")
        created, raised = self.call_kw("g2p.consent", "create", [self._consent_vals(self.scope_read)])
        self.assertIsNone(raised)
        self.assertEqual(Consent.browse(created).scope_ids, self.scope_read)

    def test_api_manager_records_no_consent(self):
        before = self.env["g2p.consent"].search_count([])
        self._as("cr_manager")
        _result, raised = self.call_kw("g2p.consent", "create", [self._consent_vals(self.scope_read)])
        self.assertEqual(raised, "odoo.exceptions.AccessError")
        self.assertEqual(self.env["g2p.consent"].search_count([]), before)


@tagged("post_install", "-at_install")
class TestConsentOnTheRegistrysDay(G2PApiCase):
    """One calendar (``registry_today``): a consent's dates are compared with today in the registry's time zone,
    whoever records or reads it. At 23:30 UTC on the 7th (00:30 on the 8th in Brussels), a consent staff in Brussels
    record without a given date is in force for the partner reading through the API, whose technical user is in
    UTC; one that expired "yesterday" in the registry's calendar is not, and the expiry job ends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recipient, cls.recipient_secret = cls._create_client(
            "Brussels cash provider", scopes=["individual:read"], legal_basis=None
        )
        cls.staff = cls.env.ref("base.user_admin")
        cls.staff.tz = "Europe/Brussels"
        cls.endpoint.user_id.tz = False

    def _person(self, name):
        return self.env["res.partner"].create({"is_registrant": True, "given_name": name, "family_name": "Zzcalendar"})

    def _record(self, person, **vals):
        """A consent staff in Brussels record for ``person``, without a given date unless in ``vals``."""
        vals = dict(_consent_vals(self.env, person.ids, self.recipient.id)[0], **vals)
        return self.env["g2p.consent"].with_user(self.staff).create(vals)

    def _read(self, person):
        with self._api() as api:
            return api.get(
                f"/api/v2/Individual/{person.uuid}", headers=self._auth(self.recipient, self.recipient_secret)
            ).status_code

    @freeze_time("2026-12-07 23:30:00")
    def test_staffs_consent_late_in_the_utc_day_is_in_force_for_partners(self):
        for zone, registry_day in ((None, date(2026, 12, 7)), ("Europe/Brussels", date(2026, 12, 8))):
            with self.subTest(registry_tz=zone):
                self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, zone or False)
                self.assertEqual(registry_today(self.env), registry_day)
                person = self._person(f"Late {zone}")
                consent = self._record(person)
                self.assertEqual(consent.given_date, registry_day, "the registry's day, not the recorder's")
                self.assertEqual(self._read(person), 200)
                start = self.env["g2p.group.membership"].with_user(self.staff).default_get(["start_date"])
                self.assertEqual(start["start_date"], registry_day)

    @freeze_time("2026-12-07 23:30:00")
    def test_a_consent_expired_yesterday_in_the_registrys_calendar_is_not_in_force(self):
        self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, "Europe/Brussels")
        person = self._person("Expired")
        consent = self._record(person, given_date=date(2026, 12, 1), expiry_date=date(2026, 12, 7))
        self.assertEqual(self._read(person), 404, "expired on the 7th: the 8th in Brussels")
        self.assertEqual(self.env["g2p.consent"]._cron_expire(), 1)
        self.assertEqual(consent.state, "expired")

    def test_a_registry_time_zone_that_is_none_is_not_used(self):
        # refused when set (TestSuiteParametersCheckedWhenSet); one stored before that check is not guessed at
        self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, "UTC")
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = 'Mars/Olympus_Mons' WHERE key = %s", [REGISTRY_TZ_PARAM]
        )
        self.env.registry.clear_cache()
        self.assertEqual(registry_tz(self.env).zone, "UTC")
        self.env["ir.config_parameter"].set_param(REGISTRY_TZ_PARAM, "Asia/Tokyo")
        self.assertEqual(registry_tz(self.env).zone, "Asia/Tokyo")

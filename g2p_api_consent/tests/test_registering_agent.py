import calendar
from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

AGENT_SCOPES = ["individual:read", "individual:write", "group:read", "group:write"]


@tagged("post_install", "-at_install")
class TestRegisteringAgent(G2PApiCase):
    """A registering agent sends the registrant's consent with a create and reads back whom it registered; every
    other client still needs its own consent, and a client that is no agent is refused and creates nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent, cls.agent_secret = cls._create_client(
            "Field registration app", scopes=AGENT_SCOPES, legal_basis=None, default_source_system="field-app"
        )
        cls.agent.is_registering_agent = True
        cls.plain, cls.plain_secret = cls._create_client("Plain writer", scopes=AGENT_SCOPES, legal_basis=None)
        cls.other, cls.other_secret = cls._create_client("Other reader", scopes=["individual:read"], legal_basis=None)

    @staticmethod
    def consent(**vals):
        return dict({"scopes": ["individual:read"], "evidence_reference": "FORM-2026-0042"}, **vals)

    def person(self, nid, **vals):
        return dict(
            {
                "given_name": "Chikondi",
                "family_name": "Agentson",
                "birthdate": "1990-04-02",
                "identifiers": [{"system": "urn:g2p:id:national-id", "value": nid}],
            },
            **vals,
        )

    def call(self, method, path, client, secret, **kwargs):
        with self._api() as api:
            return api.request(method, path, headers=self._auth(client, secret), **kwargs)

    def counts(self):
        return (
            self.env["res.partner"].search_count([("family_name", "=", "Agentson")]),
            self.env["g2p.consent"].search_count([]),
        )

    def test_agent_registers_with_consent_and_reads_back(self):
        created = self.call(
            "POST",
            "/api/v2/Individual",
            self.agent,
            self.agent_secret,
            json=self.person("88000001", consent=self.consent()),
        )
        self.assertEqual(created.status_code, 201, created.text)
        uuid = created.json()["uuid"]
        partner = self.env["res.partner"].search([("uuid", "=", uuid)])
        consent = partner.consent_ids
        self.assertEqual(
            (consent.client_id, consent.scope_ids.mapped("code"), consent.evidence_reference, consent.given_date),
            (self.agent, ["individual:read"], "FORM-2026-0042", date.today()),
        )
        self.assertEqual((consent.source_client_id, consent.source_system), (self.agent, "field-app"), "provenance")
        self.assertEqual(consent.purpose_id.code, "service-delivery")
        read = self.call("GET", f"/api/v2/Individual/{uuid}", self.agent, self.agent_secret)
        self.assertEqual(read.status_code, 200, read.text)
        found = self.call(
            "GET",
            "/api/v2/Individual",
            self.agent,
            self.agent_secret,
            params={"identifier": "urn:g2p:id:national-id|88000001"},
        ).json()
        self.assertEqual([item["uuid"] for item in found["items"]], [uuid])
        # every other client still needs its own consent
        with self._api() as api:
            self.assert_answered_as_unknown(
                api, "GET", "/api/v2/Individual/{uuid}", uuid, headers=self._auth(self.other, self.other_secret)
            )
        other_search = self.call(
            "GET",
            "/api/v2/Individual",
            self.other,
            self.other_secret,
            params={"identifier": "urn:g2p:id:national-id|88000001"},
        ).json()
        self.assertEqual(other_search["total"], 0)

    def test_group_registered_with_consent(self):
        created = self.call(
            "POST",
            "/api/v2/Group",
            self.agent,
            self.agent_secret,
            json={"name": "Agentson household", "consent": self.consent(scopes=["group:read"])},
        )
        self.assertEqual(created.status_code, 201, created.text)
        read = self.call("GET", f"/api/v2/Group/{created.json()['uuid']}", self.agent, self.agent_secret)
        self.assertEqual(read.status_code, 200, read.text)

    def test_client_that_is_no_agent_is_refused_and_nothing_is_created(self):
        before = self.counts()
        refused = self.call(
            "POST",
            "/api/v2/Individual",
            self.plain,
            self.plain_secret,
            json=self.person("88000002", consent=self.consent()),
        )
        self.assertEqual(refused.status_code, 403, refused.text)
        self.assertEqual(refused.json()["code"], "registering_agent_required")
        self.assertIn("consent", self.problem_fields(refused)[0])
        group = self.call(
            "POST",
            "/api/v2/Group",
            self.plain,
            self.plain_secret,
            json={"name": "Agentson x", "consent": self.consent()},
        )
        self.assertEqual(group.status_code, 403, group.text)
        self.assertEqual(self.counts(), before)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Agentson x")]))

    def test_refused_consent_names_the_field_and_creates_nothing(self):
        before = self.counts()
        cases = [
            (self.consent(scopes=["individual:write"]), 403, "consent.scopes"),
            (self.consent(scopes=["dci:search"]), 403, "consent.scopes"),  # a read scope it does not hold
            (self.consent(given_on=(date.today() + timedelta(days=1)).isoformat()), 422, "consent.given_on"),
            (self.consent(given_on=(date.today() - timedelta(days=60)).isoformat()), 422, "consent.given_on"),
            (self.consent(evidence_reference=""), 422, "evidence_reference"),
            # as ingest takes it: written YYYY-MM-DD, never seconds since 1970 or a midnight date-time
            (self.consent(given_on=calendar.timegm(date.today().timetuple())), 422, "/consent/given_on"),
            (self.consent(given_on=f"{date.today().isoformat()}T00:00:00"), 422, "/consent/given_on"),
        ]
        for consent, status, field in cases:
            with self.subTest(field=field, consent=consent):
                response = self.call(
                    "POST",
                    "/api/v2/Individual",
                    self.agent,
                    self.agent_secret,
                    json=self.person("88000003", consent=consent),
                )
                self.assertEqual(response.status_code, status, response.text)
                self.assertIn(field, response.text)
        self.assertEqual(self.counts(), before)

    def test_consent_only_with_a_create(self):
        created = self.call("POST", "/api/v2/Individual", self.agent, self.agent_secret, json=self.person("88000004"))
        self.assertEqual(created.status_code, 201, created.text)
        self.assertFalse(self.env["res.partner"].search([("uuid", "=", created.json()["uuid"])]).consent_ids)
        replaced = self.call(
            "PUT",
            f"/api/v2/Individual/{created.json()['uuid']}",
            self.agent,
            self.agent_secret,
            json=self.person("88000004", consent=self.consent()),
        )
        self.assertEqual(replaced.status_code, 422, replaced.text)
        self.assertIn("consent", replaced.text)

    def test_clashing_identifier_is_409_without_candidate(self):
        self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Already",
                "family_name": "Registered",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "88000005"})
                ],
            }
        )
        before = self.counts()
        response = self.call(
            "POST",
            "/api/v2/Individual",
            self.agent,
            self.agent_secret,
            json=self.person("88000005", consent=self.consent()),
        )
        self.assertEqual(response.status_code, 409, response.text)
        self.assertEqual((response.json()["code"], response.json()["candidates"]), ("duplicate", []))
        self.assertEqual(self.counts(), before)


@tagged("post_install", "-at_install")
class TestRegisteringAgentIsAnAdministratorsChoice(G2PApiCase):
    def test_api_manager_cannot_mark_a_registering_agent(self):
        manager = new_test_user(self.env, "agent_api_manager", groups="g2p_partner_api.group_api_manager")
        client, _secret = self._create_client("Would-be agent", scopes=["individual:write"], legal_basis=None)
        with self.assertRaises(AccessError):
            client.with_user(manager).write({"is_registering_agent": True})
        self.assertFalse(client.is_registering_agent)
        with self.assertRaises(AccessError):
            self.Client.with_user(manager).create({"name": "Agent at birth", "is_registering_agent": True})
        admin = new_test_user(self.env, "agent_admin", groups="base.group_system,g2p_partner_api.group_api_manager")
        client.with_user(admin).write({"is_registering_agent": True})
        self.assertTrue(client.is_registering_agent)
        self.assertIn("consent for itself with a registration", client.capabilities)
        row = self._audit_rows(action="change is_registering_agent")
        self.assertEqual((row.old_value, row.new_value, row.actor), ("false", "true", "agent_admin"))

import json
from datetime import date, timedelta

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


@tagged("post_install", "-at_install")
class TestConsentGate(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Payment provider", scopes=["individual:read", "group:read", "consent:write"], legal_basis=None)
        cls.other, cls.other_secret = cls._create_client("Other partner", scopes=["individual:read"], legal_basis=None)
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_group = cls.env.ref("g2p_partner_api.scope_group_read")
        Partner = cls.env["res.partner"]
        cls.with_consent = Partner.create({"is_registrant": True, "given_name": "Consenting", "family_name": "Zzconsent"})
        cls.without = Partner.create({"is_registrant": True, "given_name": "Silent", "family_name": "Zzconsent"})
        cls.consent = cls._consent(cls.with_consent, client=cls.client)

    @classmethod
    def _consent(cls, partner, client=None, scopes=None, **vals):
        return cls.env["g2p.consent"].create(dict({
            "partner_id": partner.id, "client_id": client.id if client else False, "purpose_id": cls.purpose.id,
            "scope_ids": [(6, 0, (scopes or cls.scope_read).ids)], "evidence_reference": "FORM-1",
        }, **vals))

    def _read(self, partner, client=None, secret=None, kind="Individual"):
        with self._api() as api:
            return api.get(f"/api/v2/{kind}/{partner.uuid}", headers=self._auth(client or self.client, secret or self.secret))

    def _search(self, client=None, secret=None):
        with self._api() as api:
            return api.get("/api/v2/Individual", params={"name": "Zzconsent"},
                           headers=self._auth(client or self.client, secret or self.secret)).json()

    def test_read_with_and_without_consent(self):
        self.assertEqual(self._read(self.with_consent).status_code, 200)
        refused = self._read(self.without)
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(refused.json()["error"]["code"], "consent_required")
        self.assertNotIn("Silent", refused.text)

    def test_search_omits_unconsented_and_counts_right(self):
        body = self._search()
        self.assertEqual((body["total"], [i["uuid"] for i in body["items"]]), (1, [self.with_consent.uuid]))

    def test_recipient_specific_consent_does_not_serve_others(self):
        self.assertEqual(self._read(self.with_consent, self.other, self.other_secret).status_code, 403)
        self.assertEqual(self._search(self.other, self.other_secret)["total"], 0)
        self._consent(self.with_consent, client=None)  # consent to any partner
        self.assertEqual(self._read(self.with_consent, self.other, self.other_secret).status_code, 200)

    def test_expired_and_future_consents(self):
        self.consent.write({"given_date": date.today() - timedelta(days=30), "expiry_date": date.today() - timedelta(days=1)})
        self.assertEqual(self._read(self.with_consent).status_code, 403)
        self.assertEqual(self.env["g2p.consent"]._cron_expire(), 1)
        self.assertEqual(self.consent.state, "expired")
        self._consent(self.with_consent, client=self.client, given_date=date.today() + timedelta(days=1))
        self.assertEqual(self._read(self.with_consent).status_code, 403, "a consent given tomorrow does not count today")

    def test_withdrawn_mid_session_refuses_next_call(self):
        token_headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(api.get(f"/api/v2/Individual/{self.with_consent.uuid}", headers=token_headers).status_code, 200)
            self.consent.action_withdraw("Changed my mind")
            self.assertEqual(api.get(f"/api/v2/Individual/{self.with_consent.uuid}", headers=token_headers).status_code, 403)

    def test_scope_mismatch(self):
        self.consent.scope_ids = self.scope_group
        self.assertEqual(self._read(self.with_consent).status_code, 403)

    def test_legal_basis_client_reads_and_is_audited(self):
        self.other.write({"legal_basis_enabled": True, "legal_basis": "Social Protection Act 2024, s. 12"})
        self.assertEqual(self._read(self.without, self.other, self.other_secret).status_code, 200)
        row = self._audit_rows(resource=f"/api/v2/Individual/{self.without.uuid}", actor=self.other.client_id)
        self.assertEqual(row.legal_basis, "Social Protection Act 2024, s. 12")
        self.assertEqual(self._search(self.other, self.other_secret)["total"], 2)

    def test_group_with_partly_consented_members(self):
        group = self.env["res.partner"].create({"is_registrant": True, "is_group": True, "name": "Mixed household"})
        for person in (self.with_consent, self.without):
            self.env["g2p.group.membership"].create({"group_id": group.id, "individual_id": person.id})
        self.assertEqual(self._read(group, kind="Group").status_code, 403, "the group itself needs consent")
        self._consent(group, client=self.client, scopes=self.scope_group)
        self.consent.scope_ids |= self.scope_group
        body = self._read(group, kind="Group").json()
        self.assertEqual([m["individual"] for m in body["members"]], [self.with_consent.uuid])

    def test_consent_created_through_the_api(self):
        body = {"registrant_identifier": None, "registrant": self.without.uuid, "recipient": self.client.client_id,
                "purpose": {"system": "urn:g2p:vocab:consent-purpose", "code": "payment"},
                "scopes": ["individual:read"], "evidence_reference": "KOBO-SUBMISSION-77"}
        with self._api() as api:
            created = api.post("/api/v2/Consent", json=body, headers=self._auth(self.client, self.secret))
            self.assertEqual(created.status_code, 201, created.text)
            self.assertEqual(created.json()["state"], "active")
            self.assertEqual(self._read(self.without).status_code, 200)
            consent = self.env["g2p.consent"].search([("uuid", "=", created.json()["uuid"])])
            self.assertEqual((consent.source_client_id, consent.evidence_reference), (self.client, "KOBO-SUBMISSION-77"))
            withdrawn = api.post(f"/api/v2/Consent/{consent.uuid}/withdraw", json={"reason": "asked by phone"},
                                 headers=self._auth(self.client, self.secret))
            self.assertEqual(withdrawn.json()["state"], "withdrawn")
            self.assertEqual(self._read(self.without).status_code, 403)
            refused = api.post("/api/v2/Consent", json=body, headers=self._auth(self.other, self.other_secret))
            self.assertEqual(refused.status_code, 403)
            bad_purpose = api.post("/api/v2/Consent", json=dict(body, purpose={"system": "urn:g2p:vocab:consent-purpose", "code": "marketing"}),
                                   headers=self._auth(self.client, self.secret))
            self.assertEqual((bad_purpose.status_code, bad_purpose.json()["error"]["details"][0]["field"]), (422, "purpose.code"))
            unknown = api.post("/api/v2/Consent", json=dict(body, registrant="00000000-0000-0000-0000-00000000dead"),
                               headers=self._auth(self.client, self.secret))
            self.assertEqual((unknown.status_code, unknown.json()["error"]["details"][0]["field"]), (422, "registrant"))


@tagged("post_install", "-at_install")
class TestConsentInOutboundPayloads(G2PApiCase):
    def test_event_without_consent_carries_no_personal_data(self):
        client, _secret = self._create_client("Notified partner", scopes=["individual:read"], legal_basis=None)
        subscription = self.env["g2p.api.subscription"].create({
            "name": "Updates", "client_id": client.id, "target_url": "https://partner.example.org/hook",
            "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_individual_updated").ids)]})
        Partner = self.env["res.partner"]
        consenting, silent = Partner.create([{"is_registrant": True, "given_name": "Open"},
                                             {"is_registrant": True, "given_name": "Private"}])
        self.env["g2p.consent"].create({
            "partner_id": consenting.id, "client_id": client.id,
            "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
            "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_individual_read").ids)], "evidence_reference": "F"})
        self.commit_events()
        (consenting | silent).write({"family_name": "Changed"})
        self.commit_events()
        bodies = {json.loads(d.body)["subject"]: json.loads(d.body) for d in subscription.delivery_ids}
        self.assertEqual(bodies[consenting.uuid]["data"]["family_name"], "Changed")
        self.assertEqual(bodies[silent.uuid]["data"], {"redacted": "consent_required"})
        self.assertNotIn("Private", json.dumps(bodies[silent.uuid]))

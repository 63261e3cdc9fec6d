import calendar
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
            "Payment provider", scopes=["individual:read", "group:read", "consent:write"], legal_basis=None
        )
        cls.other, cls.other_secret = cls._create_client("Other partner", scopes=["individual:read"], legal_basis=None)
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_group = cls.env.ref("g2p_partner_api.scope_group_read")
        Partner = cls.env["res.partner"]
        cls.with_consent = Partner.create(
            {"is_registrant": True, "given_name": "Consenting", "family_name": "Zzconsent"}
        )
        cls.without = Partner.create({"is_registrant": True, "given_name": "Silent", "family_name": "Zzconsent"})
        cls.consent = cls._consent(cls.with_consent, client=cls.client)
        # what an administrator allows the payment provider to record through POST /Consent
        cls.client.write(
            {"consent_recipient_ids": [(6, 0, cls.other.ids)], "consent_scope_ids": [(6, 0, cls.scope_read.ids)]}
        )

    @classmethod
    def _consent(cls, partner, client=None, scopes=None, **vals):
        return cls.env["g2p.consent"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "client_id": client.id if client else False,
                    "purpose_id": cls.purpose.id,
                    "scope_ids": [(6, 0, (scopes or cls.scope_read).ids)],
                    "evidence_reference": "FORM-1",
                },
                **vals,
            )
        )

    def _read(self, partner, client=None, secret=None, kind="Individual"):
        with self._api() as api:
            return api.get(
                f"/api/v2/{kind}/{partner.uuid}", headers=self._auth(client or self.client, secret or self.secret)
            )

    def _refused(self, partner, client=None, secret=None, kind="Individual"):
        """A read of ``partner`` by ``client`` answered as a read of a uuid nobody holds; the answer."""
        with self._api() as api:
            return self.assert_answered_as_unknown(
                api,
                "GET",
                f"/api/v2/{kind}/{{uuid}}",
                partner.uuid,
                headers=self._auth(client or self.client, secret or self.secret),
            )

    def _search(self, client=None, secret=None):
        with self._api() as api:
            return api.get(
                "/api/v2/Individual",
                params={"name": "Zzconsent"},
                headers=self._auth(client or self.client, secret or self.secret),
            ).json()

    def test_read_with_and_without_consent(self):
        self.assertEqual(self._read(self.with_consent).status_code, 200)
        refused = self._refused(self.without)
        self.assertNotIn("Silent", refused.text)
        self.assertNotIn("consent", refused.text.lower(), "the answer does not say why")

    def test_search_omits_unconsented_and_counts_right(self):
        body = self._search()
        self.assertEqual((body["total"], [i["uuid"] for i in body["items"]]), (1, [self.with_consent.uuid]))

    def test_recipient_specific_consent_does_not_serve_others(self):
        self._refused(self.with_consent, self.other, self.other_secret)
        self.assertEqual(self._search(self.other, self.other_secret)["total"], 0)
        self._consent(self.with_consent, client=None)  # consent to any partner
        self.assertEqual(self._read(self.with_consent, self.other, self.other_secret).status_code, 200)

    def test_expired_and_future_consents(self):
        self.consent.write(
            {"given_date": date.today() - timedelta(days=30), "expiry_date": date.today() - timedelta(days=1)}
        )
        self._refused(self.with_consent)
        self.assertEqual(self.env["g2p.consent"]._cron_expire(), 1)
        self.assertEqual(self.consent.state, "expired")
        self._consent(self.with_consent, client=self.client, given_date=date.today() + timedelta(days=1))
        self._refused(self.with_consent)  # a consent given tomorrow does not count today

    def test_withdrawn_mid_session_refuses_next_call(self):
        token_headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(
                api.get(f"/api/v2/Individual/{self.with_consent.uuid}", headers=token_headers).status_code, 200
            )
            self.consent.action_withdraw("Changed my mind")
            self.assert_answered_as_unknown(
                api, "GET", "/api/v2/Individual/{uuid}", self.with_consent.uuid, headers=token_headers
            )

    def test_scope_mismatch(self):
        self.consent.scope_ids = self.scope_group
        self._refused(self.with_consent)

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
        self._refused(group, kind="Group")  # the group itself needs consent
        self._consent(group, client=self.client, scopes=self.scope_group)
        self.consent.scope_ids |= self.scope_group
        body = self._read(group, kind="Group").json()
        self.assertEqual([m["individual"] for m in body["members"]], [self.with_consent.uuid])

    def _consent_body(self, **overrides):
        return dict(
            {
                "registrant_identifier": None,
                "registrant": self.with_consent.uuid,
                "recipient": self.other.client_id,
                "purpose": {"system": "urn:g2p:vocab:consent-purpose", "code": "payment"},
                "scopes": ["individual:read"],
                "evidence_reference": "KOBO-SUBMISSION-77",
            },
            **overrides,
        )

    def test_consent_created_through_the_api(self):
        """A client records the consent of a registrant it reads to share with another partner system (a
        recipient an administrator allowed it). It records only for registrants it may read itself."""
        body = self._consent_body()
        with self._api() as api:
            self._refused(self.with_consent, self.other, self.other_secret)
            created = api.post("/api/v2/Consent", json=body, headers=self._auth(self.client, self.secret))
            self.assertEqual(created.status_code, 201, created.text)
            self.assertEqual((created.json()["state"], created.json()["recipient"]), ("active", self.other.client_id))
            self.assertEqual(created.json()["registrant"], self.with_consent.uuid, "a registrant it reads is named")
            self.assertEqual(self._read(self.with_consent, self.other, self.other_secret).status_code, 200)
            self._refused(self.without)  # the recording client gained nothing
            consent = self.env["g2p.consent"].search([("uuid", "=", created.json()["uuid"])])
            self.assertEqual(
                (consent.source_client_id, consent.evidence_reference), (self.client, "KOBO-SUBMISSION-77")
            )
            withdrawn = api.post(
                f"/api/v2/Consent/{consent.uuid}/withdraw",
                json={"reason": "asked by phone"},
                headers=self._auth(self.client, self.secret),
            )
            self.assertEqual(withdrawn.json()["state"], "withdrawn")
            self._refused(self.with_consent, self.other, self.other_secret)
            refused = api.post("/api/v2/Consent", json=body, headers=self._auth(self.other, self.other_secret))
            self.assertEqual(refused.status_code, 403)
            bad_purpose = api.post(
                "/api/v2/Consent",
                json=dict(body, purpose={"system": "urn:g2p:vocab:consent-purpose", "code": "marketing"}),
                headers=self._auth(self.client, self.secret),
            )
            self.assertEqual((bad_purpose.status_code, self.problem_locations(bad_purpose)[0]), (422, "/purpose/code"))
            unknown = api.post(
                "/api/v2/Consent",
                json=dict(body, registrant="00000000-0000-0000-0000-00000000dead"),
                headers=self._auth(self.client, self.secret),
            )
            self.assertEqual((unknown.status_code, self.problem_locations(unknown)[0]), (422, "/registrant"))

    def test_consent_read_answers_etag_and_304(self):
        """GET /Consent/{id} carries its version; a current If-None-Match is a 304 without body, a withdrawal
        is a new version."""
        consent = self._consent(self.without, client=self.client)
        auth = self._auth(self.client, self.secret)
        with self._api() as api:
            read = api.get(f"/api/v2/Consent/{consent.uuid}", headers=auth)
            self.assertEqual(read.status_code, 200, read.text)
            etag = read.headers["ETag"]
            same = api.get(f"/api/v2/Consent/{consent.uuid}", headers=dict(auth, **{"If-None-Match": etag}))
            self.assertEqual((same.status_code, same.headers["ETag"], same.content), (304, etag, b""))
            api.post(f"/api/v2/Consent/{consent.uuid}/withdraw", json={"reason": "asked"}, headers=auth)
            changed = api.get(f"/api/v2/Consent/{consent.uuid}", headers=dict(auth, **{"If-None-Match": etag}))
            self.assertEqual((changed.status_code, changed.json()["state"]), (200, "withdrawn"))
            self.assertNotEqual(changed.headers["ETag"], etag)
            unknown = api.get(
                "/api/v2/Consent/00000000-0000-0000-0000-00000000dead", headers=dict(auth, **{"If-None-Match": etag})
            )
            self.assertEqual(unknown.status_code, 404)

    def test_client_cannot_record_a_consent_that_widens_its_own_access(self):
        before = self.env["g2p.consent"].search_count([])
        attacks = [
            (self._consent_body(recipient=self.client.client_id), 403, "consent_recipient_forbidden"),
            (self._consent_body(recipient=None), 403, "consent_recipient_forbidden"),
            ({k: v for k, v in self._consent_body().items() if k != "recipient"}, 403, "consent_recipient_forbidden"),
            (self._consent_body(given_date=str(date.today() + timedelta(days=3))), 422, "validation_error"),
        ]
        with self._api() as api:
            for body, status, code in attacks:
                response = api.post("/api/v2/Consent", json=body, headers=self._auth(self.client, self.secret))
                self.assertEqual((response.status_code, response.json()["code"]), (status, code), body)
        self.assertEqual(self.env["g2p.consent"].search_count([]), before, "nothing recorded")
        self._refused(self.without)
        self.assertEqual(self._search()["total"], 1)

    def test_consent_dates_are_taken_as_written(self):
        """given_date and expiry_date are YYYY-MM-DD, as ingest takes the same consent: seconds since 1970 or a
        midnight date-time are refused naming the field, never read as a date."""
        before = self.env["g2p.consent"].search_count([])
        today = date.today()
        midnight = calendar.timegm(today.timetuple())
        expiry = today + timedelta(days=30)
        cases = [
            (self._consent_body(given_date=midnight), "/given_date"),
            (self._consent_body(given_date=str(midnight)), "/given_date"),
            (self._consent_body(given_date=f"{today.isoformat()}T00:00:00"), "/given_date"),
            (self._consent_body(expiry_date=calendar.timegm(expiry.timetuple())), "/expiry_date"),
            (self._consent_body(expiry_date=f"{expiry.isoformat()}T00:00:00Z"), "/expiry_date"),
        ]
        with self._api() as api:
            for body, pointer in cases:
                response = api.post("/api/v2/Consent", json=body, headers=self._auth(self.client, self.secret))
                self.assertEqual(response.status_code, 422, body)
                self.assertEqual(self.problem_locations(response), [pointer], body)
            self.assertEqual(self.env["g2p.consent"].search_count([]), before, "nothing recorded")
            written = self._consent_body(given_date=today.isoformat(), expiry_date=expiry.isoformat())
            created = api.post("/api/v2/Consent", json=written, headers=self._auth(self.client, self.secret))
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(
            (created.json()["given_date"], created.json()["expiry_date"]), (today.isoformat(), expiry.isoformat())
        )

    def test_identifier_lookup_matches_system_and_value_on_one_row(self):
        national = self.env.ref("g2p_partner_api.id_type_national_id")
        passport = self.env.ref("g2p_partner_api.id_type_passport")
        self.with_consent.reg_id_ids = [
            (0, 0, {"id_type_id": national.id, "value": "47114711"}),
            (0, 0, {"id_type_id": passport.id, "value": "08150815"}),
        ]
        before = self.env["g2p.consent"].search_count([])
        with self._api() as api:
            mixed = api.post(
                "/api/v2/Consent",
                headers=self._auth(self.client, self.secret),
                json=self._consent_body(
                    registrant=None, registrant_identifier={"system": national.namespace_uri, "value": "08150815"}
                ),
            )
            self.assertEqual((mixed.status_code, self.problem_locations(mixed)[0]), (422, "/registrant_identifier"))
            self.assertEqual(self.env["g2p.consent"].search_count([]), before)
            right = api.post(
                "/api/v2/Consent",
                headers=self._auth(self.client, self.secret),
                json=self._consent_body(
                    registrant=None, registrant_identifier={"system": passport.namespace_uri, "value": "08150815"}
                ),
            )
        self.assertEqual((right.status_code, right.json()["registrant"]), (201, self.with_consent.uuid))


@tagged("post_install", "-at_install")
class TestConsentInOutboundPayloads(G2PApiCase):
    """Every outbound payload passes the checks a REST read of the same data by the same client passes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, _secret = cls._create_client(
            "Notified partner", scopes=["individual:read", "group:read", "membership:read"], legal_basis=None
        )
        Partner = cls.env["res.partner"]
        cls.consenting, cls.silent = Partner.create(
            [{"is_registrant": True, "given_name": "Open"}, {"is_registrant": True, "given_name": "Private"}]
        )
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery")
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_group = cls.env.ref("g2p_partner_api.scope_group_read")
        cls.scope_membership = cls.env.ref("g2p_partner_api.scope_membership_read")
        cls._consent(cls.consenting, cls.scope_read | cls.scope_group | cls.scope_membership)

    @classmethod
    def _consent(cls, partner, scopes):
        return cls.env["g2p.consent"].create(
            {
                "partner_id": partner.id,
                "client_id": cls.client.id,
                "purpose_id": cls.purpose.id,
                "scope_ids": [(6, 0, scopes.ids)],
                "evidence_reference": "F",
            }
        )

    def _subscribe(self, *codes):
        return self.env["g2p.api.subscription"].create(
            {
                "name": "Updates",
                "client_id": self.client.id,
                "target_url": "https://partner.example.org/hook",
                "event_type_ids": [(6, 0, self.env["g2p.api.event.type"].search([("code", "in", codes)]).ids)],
            }
        )

    def _bodies(self, subscription):
        self.commit_events()
        return {json.loads(d.body)["subject"]: json.loads(d.body) for d in subscription.delivery_ids}

    def test_no_event_about_a_registrant_without_consent(self):
        subscription = self._subscribe("individual.updated")
        self.commit_events()
        (self.consenting | self.silent).write({"family_name": "Changed"})
        bodies = self._bodies(subscription)
        self.assertEqual(bodies[self.consenting.uuid]["data"]["family_name"], "Changed")
        self.assertNotIn(self.silent.uuid, bodies, "a search would omit it: the event is not sent at all")
        self.assertNotIn("Private", json.dumps(bodies))

    def test_archived_and_deleted_registrants_without_consent_send_nothing(self):
        subscription = self._subscribe("individual.archived")
        self.commit_events()
        gone_open, gone_silent = self.env["res.partner"].create(
            [{"is_registrant": True, "given_name": "Leaving"}, {"is_registrant": True, "given_name": "Vanishing"}]
        )
        self._consent(gone_open, self.scope_read)
        self.commit_events()
        gone_open_uuid = gone_open.uuid
        (self.consenting | self.silent).write({"active": False})
        (gone_open | gone_silent).unlink()
        bodies = self._bodies(subscription)
        self.assertIn(self.consenting.uuid, bodies)
        self.assertIn(gone_open_uuid, bodies, "consent decided before the record and its consents disappeared")
        # erased: announced by its uuid alone (the partner deletes its copy), nothing else about the person
        self.assertEqual(bodies[gone_open_uuid]["data"], {"uuid": gone_open_uuid, "erased": True})
        self.assertNotIn("Leaving", json.dumps(bodies))
        self.assertEqual(len(bodies), 2, "no event for the archived or deleted registrant without consent")
        self.assertNotIn("Private", json.dumps(bodies))
        self.assertNotIn("Vanishing", json.dumps(bodies))

    def test_group_payload_only_members_and_groups_the_client_may_read(self):
        subscription = self._subscribe("group.updated", "individual.updated", "membership.changed")
        group = self.env["res.partner"].create({"is_registrant": True, "is_group": True, "name": "Mixed household"})
        self._consent(group, self.scope_group | self.scope_read)
        hidden_group = self.env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "name": "Hidden household"}
        )
        Membership = self.env["g2p.group.membership"]
        Membership.create([{"group_id": group.id, "individual_id": p.id} for p in (self.consenting, self.silent)])
        Membership.create({"group_id": hidden_group.id, "individual_id": self.consenting.id})
        self.commit_events()
        subscription.delivery_ids.unlink()
        group.write({"name": "Mixed household, renamed"})
        self.consenting.write({"family_name": "Member"})
        bodies = self._bodies(subscription)
        self.assertEqual([m["individual"] for m in bodies[group.uuid]["data"]["members"]], [self.consenting.uuid])
        self.assertEqual(
            [g["group"] for g in bodies[self.consenting.uuid]["data"]["groups"]],
            [group.uuid],
            "the group without consent is not named",
        )
        self.assertNotIn(self.silent.uuid, json.dumps(bodies))
        self.assertNotIn(hidden_group.uuid, json.dumps(bodies))

    def test_group_membership_event_needs_both_group_and_member(self):
        subscription = self._subscribe("membership.changed")
        group = self.env["res.partner"].create({"is_registrant": True, "is_group": True, "name": "Household"})
        self._consent(group, self.scope_group)
        Membership = self.env["g2p.group.membership"]
        seen, unseen = Membership.create(
            [{"group_id": group.id, "individual_id": p.id} for p in (self.consenting, self.silent)]
        )
        self.commit_events()
        self.assertEqual(len(subscription.delivery_ids), 1)
        self.assertEqual(json.loads(subscription.delivery_ids.body)["data"]["individual"], self.consenting.uuid)
        unseen.unlink()
        self.commit_events()
        self.assertEqual(
            len(subscription.delivery_ids), 1, "the deleted membership of a member without consent is not sent"
        )
        seen.unlink()
        self.commit_events()
        self.assertEqual(len(subscription.delivery_ids), 2)

    def test_programme_event_only_for_allowed_programmes(self):
        subscription = self._subscribe("program_membership.changed")
        allowed, other = self.env["g2p.program"].create(
            [{"name": "Allowed grant", "state": "active"}, {"name": "Other grant", "state": "active"}]
        )
        self.client.allowed_program_ids = allowed
        self.env["g2p.program.membership"].create(
            [{"partner_id": self.consenting.id, "program_id": p.id} for p in (allowed, other)]
        )
        self.env["g2p.program.membership"].create({"partner_id": self.silent.id, "program_id": allowed.id})
        bodies = self._bodies(subscription)
        self.assertEqual([b["data"]["program"] for b in bodies.values()], [allowed.uuid])
        self.assertEqual(bodies[next(iter(bodies))]["data"]["registrant"], self.consenting.uuid)

    def _queue_one_update(self):
        """(subscription, the delivery queued for one update of the consenting registrant)."""
        subscription = self._subscribe("individual.updated")
        self.commit_events()
        self.consenting.write({"family_name": "Queued"})
        self.commit_events()
        self.assertEqual(len(subscription.delivery_ids), 1)
        return subscription, subscription.delivery_ids

    def test_client_that_lost_the_scope_gets_nothing(self):
        subscription, queued = self._queue_one_update()
        self.client.scope_ids -= self.scope_read
        self.consenting.write({"family_name": "After revocation"})
        self.commit_events()
        self.assertEqual(subscription.delivery_ids, queued, "nothing queued once the scope is revoked")
        self.run_jobs(["g2p.api.delivery"])
        self.assertEqual(
            (queued.state, queued.attempt_ids.error),
            ("failed", "not sent: the client no longer has the scope individual:read"),
            "what was queued before the revocation is not sent either",
        )
        self.assertFalse(queued.attempt_ids.response_excerpt)

    def test_consent_withdrawn_before_sending_stops_the_delivery(self):
        _subscription, queued = self._queue_one_update()
        self.assertEqual(queued.registrant_ids, self.consenting)
        self.consenting.consent_ids.action_withdraw("no longer")
        self.run_jobs(["g2p.api.delivery"])
        self.assertEqual(
            (queued.state, queued.attempt_ids.error),
            ("failed", "not sent: the client may no longer read the registrants of this event (consent)"),
        )


@tagged("post_install", "-at_install")
class TestConsentOnRestOraclesAndWrites(G2PApiCase):
    """REST answers and writes reveal or touch nothing of registrants the caller may not read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Household survey",
            legal_basis=None,
            scopes=["individual:read", "group:read", "group:write", "membership:write"],
        )
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery")
        Partner = cls.env["res.partner"]
        cls.seen, cls.hidden, cls.former, cls.outsider = Partner.create(
            [
                {"is_registrant": True, "given_name": name, "family_name": "Zzoracle"}
                for name in ("Seen", "Hidden", "Former", "Outsider")
            ]
        )
        cls.group, cls.secret_group = Partner.create(
            [
                {"is_registrant": True, "is_group": True, "name": "Consenting household"},
                {"is_registrant": True, "is_group": True, "name": "Secret household"},
            ]
        )
        for partner in (cls.seen, cls.former, cls.group):
            cls.env["g2p.consent"].create(
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.purpose.id,
                    "evidence_reference": "F",
                    "scope_ids": [
                        (
                            6,
                            0,
                            cls.env["g2p.api.scope"]
                            .search(
                                [("code", "in", ["individual:read", "group:read", "group:write", "membership:write"])]
                            )
                            .ids,
                        )
                    ],
                }
            )
        Membership = cls.env["g2p.group.membership"]
        cls.seen_membership, cls.hidden_membership, cls.former_membership = Membership.create(
            [
                {"group_id": cls.group.id, "individual_id": cls.seen.id, "start_date": "2020-01-01"},
                {"group_id": cls.group.id, "individual_id": cls.hidden.id, "start_date": "2020-01-01"},
                {
                    "group_id": cls.group.id,
                    "individual_id": cls.former.id,
                    "start_date": "2020-01-01",
                    "end_date": "2021-01-01",
                },
            ]
        )
        Membership.create({"group_id": cls.secret_group.id, "individual_id": cls.seen.id})

    def _headers(self):
        return self._auth(self.client, self.secret)

    def _memberships(self):
        return [(m.individual_id.name, str(m.end_date or "")) for m in self.group.group_member_ids.sorted("id")]

    def test_individual_groups_only_those_the_caller_may_read(self):
        with self._api() as api:
            read = api.get(f"/api/v2/Individual/{self.seen.uuid}", headers=self._headers()).json()
            listed = api.get("/api/v2/Individual", params={"name": "Zzoracle"}, headers=self._headers()).json()
        self.assertEqual([g["group"] for g in read["groups"]], [self.group.uuid])
        self.assertEqual([g["group"] for g in listed["items"][0]["groups"]], [self.group.uuid])
        self.assertNotIn(self.secret_group.uuid, json.dumps([read, listed]))

    def test_programme_membership_unknown_and_unconsented_registrants_answer_alike(self):
        program = self.env["g2p.program"].create({"name": "Oracle grant", "state": "active"})
        self.client.allowed_program_ids = program
        answers = []
        with self._api() as api:
            for registrant in (self.hidden.uuid, "00000000-0000-0000-0000-00000000beef"):
                response = api.post(
                    "/api/v2/ProgramMembership",
                    headers=self._headers(),
                    json={"program": program.uuid, "registrant": registrant},
                )
                body = response.json()
                answers.append(
                    (response.status_code, body["code"], body["errors"], body["detail"].replace(registrant, "…"))
                )
            allowed = api.post(
                "/api/v2/ProgramMembership",
                headers=self._headers(),
                json={"program": program.uuid, "registrant": self.seen.uuid},
            )
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], 422)
        self.assertEqual(allowed.status_code, 201, allowed.text)
        self.assertEqual(
            self.env["g2p.program.membership"].search([("program_id", "=", program.id)]).partner_id, self.seen
        )

    def test_group_put_built_from_what_the_client_sees(self):
        before = self._memberships()
        with self._api() as api:
            seen = api.get(f"/api/v2/Group/{self.group.uuid}", headers=self._headers()).json()
            self.assertEqual({m["individual"] for m in seen["members"]}, {self.seen.uuid, self.former.uuid})
            body = {
                "name": seen["name"],
                "identifiers": seen["identifiers"],
                "address": seen["address"],
                "members": [
                    {k: m[k] for k in ("individual", "kinds", "start_date", "end_date")} for m in seen["members"]
                ],
            }
            replaced = api.put(f"/api/v2/Group/{self.group.uuid}", headers=self._headers(), json=body)
            self.assertEqual(replaced.status_code, 200, replaced.text)
            self.assertEqual(self._memberships(), before, "the hidden member and the ended membership are untouched")
            emptied = api.put(f"/api/v2/Group/{self.group.uuid}", headers=self._headers(), json=dict(body, members=[]))
            self.assertEqual(emptied.status_code, 200, emptied.text)
        self.assertTrue(self.seen_membership.exists() and self.former_membership.exists(), "nothing is deleted")
        self.assertEqual(self.seen_membership.end_date, date.today(), "left out: ended")
        self.assertFalse(self.hidden_membership.end_date, "a member the client cannot see stays a member")
        self.assertEqual(str(self.former_membership.end_date), "2021-01-01")

    def test_group_put_cannot_add_or_reach_people_without_consent(self):
        before = self._memberships()
        answers = []
        with self._api() as api:
            for uuid in (self.outsider.uuid, self.hidden.uuid, "00000000-0000-0000-0000-00000000beef"):
                response = api.put(
                    f"/api/v2/Group/{self.group.uuid}",
                    headers=self._headers(),
                    json={
                        "name": "Consenting household",
                        "members": [{"individual": self.seen.uuid}, {"individual": uuid}],
                    },
                )
                error = response.json()
                answers.append((response.status_code, error["errors"], error["detail"].replace(uuid, "…")))
        self.assertEqual(answers[0][0], 422)
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0], answers[2], "no consent and unknown answer alike")
        self.assertEqual(self._memberships(), before, "nothing changed")

    def test_one_member_changes_answer_unconsented_as_unknown_and_change_nothing(self):
        """POST /Group/{id}/members, .../end and the membership history: a group or an individual the client has no
        consent for is answered as an unknown one, and nothing is written."""
        before = self._memberships()
        secret_before = [(m.individual_id, m.end_date) for m in self.secret_group.group_member_ids]
        unknown = "00000000-0000-0000-0000-00000000beef"

        def answer(response, uuid):
            body = response.json()
            return response.status_code, body["code"], body["errors"], body["detail"].replace(uuid, "…")

        today = str(date.today())

        def add(api, group, individual):
            path = f"/api/v2/Group/{group}/members"
            return api.post(path, json={"individual": individual}, headers=self._headers())

        def end(api, group, individual):
            path = f"/api/v2/Group/{group}/members/{individual}/end"
            return api.post(path, json={"end_date": today, "reason": "r"}, headers=self._headers())

        with self._api() as api:
            added = [answer(add(api, self.group.uuid, uuid), uuid) for uuid in (self.outsider.uuid, unknown)]
            ended = [answer(end(api, self.group.uuid, uuid), uuid) for uuid in (self.hidden.uuid, unknown)]
            groups = [answer(add(api, uuid, self.seen.uuid), uuid) for uuid in (self.secret_group.uuid, unknown)]
            group_ends = [answer(end(api, uuid, self.seen.uuid), uuid) for uuid in (self.secret_group.uuid, unknown)]
            histories = [
                answer(api.get(f"/api/v2/Group/{uuid}/membership-history", headers=self._headers()), uuid)
                for uuid in (self.secret_group.uuid, unknown)
            ]
            history = api.get(f"/api/v2/Group/{self.group.uuid}/membership-history", headers=self._headers()).json()
        self.assertEqual(added[0], added[1])
        self.assertEqual(added[0][:2], (422, "validation_error"))
        for pair in (ended, groups, group_ends, histories):
            self.assertEqual(pair[0], pair[1])
            self.assertEqual(pair[0][:2], (404, "not_found"))
        self.assertEqual(self._memberships(), before, "nothing changed")
        self.assertEqual([(m.individual_id, m.end_date) for m in self.secret_group.group_member_ids], secret_before)
        self.assertEqual(
            [p["individual"] for p in history["items"]],
            [self.seen.uuid, self.former.uuid],
            "the hidden member is not listed",
        )
        self.assertEqual(history["total"], 2)

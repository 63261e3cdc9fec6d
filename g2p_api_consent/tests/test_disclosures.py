from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.g2p_partner_api.models.g2p_api_audit_log import RETENTION_DAYS_PARAM
from odoo.addons.g2p_partner_api.tests.common import G2PReceiverCase
from odoo.addons.g2p_partner_api.tests.query_log import logged_queries, queries_of

READ = "g2p_partner_api.scope_individual_read"


def household(env, name, members):
    return env["res.partner"].create(
        {
            "is_registrant": True,
            "is_group": True,
            "is_company": True,
            "name": name,
            "group_member_ids": [(0, 0, {"individual_id": person.id}) for person in members],
        }
    )


def consent_all(env, client, registrants, scopes, evidence):
    """Each of ``registrants``' consent to ``client`` reading them under ``scopes``."""
    return env["g2p.consent"].create(
        [
            {
                "partner_id": registrant.id,
                "client_id": client.id,
                "purpose_id": env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, scopes.ids)],
                "evidence_reference": evidence,
            }
            for registrant in registrants
        ]
    )


class DisclosureFixture:
    """Two clients: ``client`` reads under consent, ``legal`` under a legal basis; six people, the first
    four with ``client``'s consent."""

    @classmethod
    def _fixture(cls):
        cls.client, cls.secret = cls._create_client(
            "Disclosure payments", scopes=["individual:read", "consent:write"], legal_basis=None
        )
        cls.legal, cls.legal_secret = cls._create_client("Disclosure tax office", scopes=["individual:read"])
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        cls.people = cls.env["res.partner"].create(
            [{"is_registrant": True, "given_name": "Shown", "family_name": f"Zzdisclosed{i}"} for i in range(6)]
        )
        cls.consents = cls.env["g2p.consent"].create(
            [
                {
                    "partner_id": person.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.purpose.id,
                    "scope_ids": [(6, 0, cls.env.ref(READ).ids)],
                    "evidence_reference": "FORM-DISCLOSED",
                }
                for person in cls.people[:4]
            ]
        )

    def _disclosures(self, **domain):
        return self.env["g2p.api.disclosure"].search(
            [("partner_id", "in", self.people.ids)] + [(k, "=", v) for k, v in domain.items()]
        )


@tagged("post_install", "-at_install")
class TestRestDisclosures(DisclosureFixture, G2PReceiverCase):
    """Every REST read, search and outbound event writes one disclosure per registrant it gives a
    client, with the consent or legal basis it was given under; a refused read writes none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._fixture()

    def _get(self, url, client=None, secret=None, **params):
        with self._api() as api:
            return api.get(url, params=params, headers=self._auth(client or self.client, secret or self.secret))

    def test_read_records_the_registrant_the_client_and_the_consent(self):
        person = self.people[0]
        response = self._get(f"/api/v2/Individual/{person.uuid}")
        self.assertEqual(response.status_code, 200, response.text)
        disclosure = self._disclosures()
        self.assertEqual(
            (disclosure.partner_id, disclosure.client_id, disclosure.recipient, disclosure.channel),
            (person, self.client, "Disclosure payments", "rest_read"),
        )
        self.assertEqual((disclosure.consent_id, disclosure.legal_basis), (self.consents[0], False))
        self.assertEqual((disclosure.scope, disclosure.audit_log_id), ("individual:read", self._audit_rows()[:1]))

    def test_refused_read_records_nothing(self):
        before = self.env["g2p.api.disclosure"].search_count([])
        response = self._get(f"/api/v2/Individual/{self.people[5].uuid}")
        self.assertEqual(response.status_code, 404, "an unconsented registrant answers as unknown")
        self.assertEqual(self.env["g2p.api.disclosure"].search_count([]), before, "nothing disclosed, nothing recorded")
        unknown = self._get("/api/v2/Individual/00000000-0000-4000-8000-000000000000")
        self.assertEqual(unknown.status_code, 404)
        self.assertEqual(self.env["g2p.api.disclosure"].search_count([]), before)

    def test_search_records_each_registrant_of_the_page_once(self):
        body = self._get("/api/v2/Individual", name="Zzdisclosed", _count=3).json()
        self.assertEqual(len(body["items"]), 3)
        disclosures = self._disclosures()
        self.assertEqual(sorted(disclosures.partner_id.mapped("uuid")), sorted(i["uuid"] for i in body["items"]))
        self.assertEqual(len(disclosures), 3, "one row per registrant answered, none for the unconsented")
        used = self.consents.filtered(lambda c: c.partner_id in disclosures.partner_id)
        self.assertEqual(disclosures.consent_id, used)

    def test_legal_basis_read_names_the_law_not_a_consent(self):
        person = self.people[5]
        self.assertEqual(self._get(f"/api/v2/Individual/{person.uuid}", self.legal, self.legal_secret).status_code, 200)
        disclosure = self._disclosures(client_id=self.legal.id)
        self.assertEqual(
            (disclosure.partner_id, disclosure.legal_basis, disclosure.consent_id),
            (person, self.legal.legal_basis, self.env["g2p.consent"]),
        )

    def test_recording_costs_no_statement_of_its_own(self):
        headers = self._auth(self.client, self.secret)

        def page():
            return api.get("/api/v2/Individual", params={"name": "Zzdisclosed", "_count": 10}, headers=headers)

        with self._api() as api:
            page()
            answered, recorded = queries_of(self.env, page)
            with patch.object(type(self.env["g2p.api.disclosure"]), "_call_inserts", lambda *args, **kwargs: []):
                _answered, without = queries_of(self.env, page)
        self.assertEqual(len(answered.json()["items"]), 4)
        self.assertEqual(recorded, without, "the whole page: written by the audit row's own statement")
        self.assertEqual(len(self._disclosures()), 8, "two calls, four registrants each")

    def test_outbound_event_records_the_registrant_once_sent(self):
        self._allow_outbound_hosts(self.receiver.host_port)
        self.commit_events()  # the fixture's own events (created) go first, to no subscriber
        person = self.people[1]
        subscription, _secret = self._subscribe(["individual.updated"])
        person.write({"family_name": "Zzdisclosed-moved"})
        self.commit_events()
        self.assertFalse(self._disclosures(), "queued is not sent")
        self.run_jobs(["g2p.api.delivery"])
        delivery = subscription.delivery_ids
        self.assertEqual(delivery.state, "sent")
        disclosure = self._disclosures()
        self.assertEqual(
            (disclosure.partner_id, disclosure.channel, disclosure.delivery_id, disclosure.consent_id),
            (person, "outbound_event", delivery, self.consents[1]),
        )

    def test_purged_with_the_audit_log(self):
        self._get(f"/api/v2/Individual/{self.people[0].uuid}")
        disclosure = self._disclosures()
        self.env.cr.execute(
            "UPDATE g2p_api_disclosure SET time = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=40), disclosure.id),
        )
        self.env["ir.config_parameter"].set_param(RETENTION_DAYS_PARAM, "60")
        self.env["g2p.api.audit.log"]._cron_purge()
        self.assertTrue(disclosure.exists(), "inside the retention")
        self.env["ir.config_parameter"].set_param(RETENTION_DAYS_PARAM, "30")
        self.env["g2p.api.audit.log"]._cron_purge()
        self.env.invalidate_all()
        self.assertFalse(disclosure.exists(), "past the audit log's retention")

    def test_dpo_report_counts_per_client_and_month_and_without_consent(self):
        self._get("/api/v2/Individual", name="Zzdisclosed")
        self._get("/api/v2/Individual", self.legal, self.legal_secret, name="Zzdisclosed")
        Disclosure = self.env["g2p.api.disclosure"]
        domain = [("partner_id", "in", self.people.ids)]
        counts = {
            (client.name, month): count
            for client, month, count in Disclosure._read_group(domain, ["client_id", "time:month"], ["__count"])
        }
        month = fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        self.assertEqual(counts, {("Disclosure payments", month): 4, ("Disclosure tax office", month): 6})
        without_consent = Disclosure.search_count(domain + [("legal_basis", "!=", False)])
        self.assertEqual(without_consent, 6, "the tax office's reads, under its legal basis")


@tagged("post_install", "-at_install")
class TestRegistryReadDisclosures(G2PReceiverCase):
    """A group's answer carries its shown members' data, a membership history its members', a programme
    membership its registrant's: one disclosure each, in the call's one INSERT; the unconsented member
    is neither shown nor recorded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Disclosure household survey",
            scopes=["individual:read", "group:read", "membership:read"],
            legal_basis=None,
            all_programs=True,
        )
        ref = cls.env.ref
        nid = ref("g2p_partner_api.id_type_national_id")
        cls.people = cls.env["res.partner"].create(
            [
                {
                    "is_registrant": True,
                    "given_name": f"Member{i}",
                    "family_name": "Zzsharedhome",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"77120{i:04d}"})],
                }
                for i in range(3)
            ]
        )
        cls.group = household(cls.env, "Zzsharedhome household", cls.people)
        scopes = ref("g2p_partner_api.scope_individual_read") | ref("g2p_partner_api.scope_group_read")
        scopes |= ref("g2p_partner_api.scope_membership_read")
        # the group and its first two members consent; the third does not
        cls.consents = consent_all(cls.env, cls.client, cls.group | cls.people[:2], scopes, "FORM-HOUSEHOLD")
        cls.shown = cls.group | cls.people[:2]
        cls.program = cls.env["g2p.program"].create({"name": "Zzshared grant", "state": "active"})
        cls.memberships = cls.env["g2p.program.membership"].create(
            [{"program_id": cls.program.id, "partner_id": person.id} for person in cls.people[0] | cls.people[2]]
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _disclosures(self):
        return self.env["g2p.api.disclosure"].search([("partner_id", "in", (self.group | self.people).ids)])

    def _call(self, method, url, **kwargs):
        with self._api() as api:
            response = api.request(method, url, headers=self.headers, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def _assert_recorded(self, registrants, scope, calls=1):
        disclosures = self._disclosures()
        self.assertEqual(disclosures.partner_id, registrants)
        self.assertEqual(len(disclosures), len(registrants) * calls, "one row per registrant and call")
        self.assertEqual(set(disclosures.mapped("scope")), {scope})
        self.assertEqual(len(disclosures.audit_log_id), calls, "recorded with the call's audit row")
        for disclosure in disclosures:
            self.assertEqual(disclosure.consent_id.partner_id, disclosure.partner_id, "under the registrant's consent")
        return disclosures

    def test_group_read_records_the_group_and_each_member_shown(self):
        body = self._call("GET", f"/api/v2/Group/{self.group.uuid}")
        self.assertEqual({m["individual"] for m in body["members"]}, set(self.people[:2].mapped("uuid")))
        self._assert_recorded(self.shown, "group:read")

    def test_group_page_and_lookup_record_the_members_shown(self):
        # the change feed renders groups the same way: TestChangeFeed (committed data) checks it
        page = self._call("GET", "/api/v2/Group", params={"name": "Zzsharedhome"})
        self.assertEqual(len(page["items"]), 1)
        self._assert_recorded(self.shown, "group:read")
        nid = self.env.ref("g2p_partner_api.id_type_national_id").namespace_uri
        self.group.write(
            {
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "771299999"})
                ]
            }
        )
        found = self._call(
            "POST", "/api/v2/Group/$lookup", json={"identifiers": [{"system": nid, "value": "771299999"}]}
        )
        self.assertEqual(len(found["items"][0]["group"]["members"]), 2)
        self._assert_recorded(self.shown, "group:read", calls=2)

    def test_group_members_ride_in_the_calls_one_insert(self):
        with self._api() as api, logged_queries(self.env) as queries:
            response = api.get("/api/v2/Group", params={"name": "Zzsharedhome"}, headers=self.headers)
        self.assertEqual(len(response.json()["items"][0]["members"]), 2)
        # the group and its members: written by the call's audit row's statement, none of their own
        separate = [q for q in queries.statements if q.startswith('INSERT INTO "g2p_api_disclosure"')]
        audit = [q for q in queries.statements if q.startswith('WITH audit_row AS (INSERT INTO "g2p_api_audit_log"')]
        self.assertEqual((len(separate), len(audit)), (0, 1), f"one statement for the call's records\n{queries}")
        self.assertEqual(self._disclosures().partner_id, self.shown)

    def test_lookup_records_each_registrant_found(self):
        nid = self.env.ref("g2p_partner_api.id_type_national_id").namespace_uri
        body = self._call(
            "POST",
            "/api/v2/Individual/$lookup",
            json={"identifiers": [{"system": nid, "value": ident} for ident in ("771200000", "771200002")]},
        )
        self.assertEqual([item["status"] for item in body["items"]], ["found", "not_found"])
        self._assert_recorded(self.people[0], "individual:read")

    def test_membership_history_records_each_member_shown(self):
        body = self._call("GET", f"/api/v2/Group/{self.group.uuid}/membership-history")
        self.assertEqual({period["individual"] for period in body["items"]}, set(self.people[:2].mapped("uuid")))
        self._assert_recorded(self.people[:2], "group:read")

    def test_program_membership_reads_record_the_registrant(self):
        page = self._call("GET", "/api/v2/ProgramMembership", params={"program": self.program.uuid})
        self.assertEqual([item["registrant"] for item in page["items"]], [self.people[0].uuid])
        self._assert_recorded(self.people[0], "membership:read")
        self._call("GET", f"/api/v2/ProgramMembership/{self.memberships[0].uuid}")
        self._assert_recorded(self.people[0], "membership:read", calls=2)

    def test_refused_reads_record_nothing(self):
        before = self.env["g2p.api.disclosure"].search_count([])
        self.consents[0].sudo().write({"state": "withdrawn", "withdraw_reason": "moved away"})
        with self._api() as api:
            for url in (
                f"/api/v2/Group/{self.group.uuid}",
                f"/api/v2/Group/{self.group.uuid}/membership-history",
                f"/api/v2/ProgramMembership/{self.memberships[1].uuid}",
            ):
                self.assertEqual(api.get(url, headers=self.headers).status_code, 404, url)
        self.assertEqual(self.env["g2p.api.disclosure"].search_count([]), before, "nothing disclosed, nothing recorded")


@tagged("post_install", "-at_install")
class TestWriteAnswerDisclosures(G2PReceiverCase):
    """A write's answer shows the registrant as written (a PATCH answers the fields not sent too) and, for a
    group, its members the writer may read, named whether it sent them or not: one disclosure each, channel
    ``rest_write``, the written registrant under the write scope and the members under the read scope, in the
    call's one INSERT; a refused write records nothing. A programme membership's answer tells the registrant's
    programme and state: recorded under the membership write scope."""

    SCOPES = ("individual:read", "individual:write", "group:read", "group:write", "membership:write")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Disclosure editor", scopes=list(cls.SCOPES), legal_basis=None, all_programs=True
        )
        ref = cls.env.ref
        cls.people = cls.env["res.partner"].create(
            [{"is_registrant": True, "given_name": f"Member{i}", "family_name": "Zzwritten"} for i in range(4)]
        )
        cls.group = household(cls.env, "Zzwritten household", cls.people[:3])
        scopes = ref("g2p_partner_api.scope_individual_read") | ref("g2p_partner_api.scope_individual_write")
        scopes |= ref("g2p_partner_api.scope_group_read") | ref("g2p_partner_api.scope_group_write")
        scopes |= ref("g2p_partner_api.scope_membership_write")
        # the group, its first two members and a newcomer (people[3]) consent; the third member does not
        consent_all(cls.env, cls.client, cls.group | cls.people[:2] | cls.people[3], scopes, "FORM-WRITTEN")
        cls.program = cls.env["g2p.program"].create({"name": "Zzwritten grant", "state": "active"})

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _disclosures(self):
        return self.env["g2p.api.disclosure"].search([("partner_id", "in", (self.group | self.people).ids)])

    def _write(self, method, url, status=200, **kwargs):
        with self._api() as api, logged_queries(self.env) as queries:
            response = api.request(method, url, headers=self.headers, **kwargs)
        self.assertEqual(response.status_code, status, response.text)
        # what the answer shows: written by the call's audit row's statement, none of its own
        separate = [q for q in queries.statements if q.startswith('INSERT INTO "g2p_api_disclosure"')]
        # (the audit row's INSERT takes this form only when the call discloses)
        with_audit = [
            q for q in queries.statements if q.startswith('WITH audit_row AS (INSERT INTO "g2p_api_audit_log"')
        ]
        self.assertEqual(
            (len(separate), len(with_audit)),
            (0, 1 if status < 400 else 0),
            f"one statement for the call's records\n{queries}",
        )
        return response.json()

    def _assert_recorded(self, written, write_scope, members=None):
        """``written`` under ``write_scope`` and ``members`` under group:read, each once, channel rest_write,
        with the call's audit row and the registrant's own consent."""
        disclosures = self._disclosures()
        expected = {(r.id, write_scope) for r in written} | {(r.id, "group:read") for r in members or ()}
        self.assertEqual({(d.partner_id.id, d.scope) for d in disclosures}, expected)
        self.assertEqual(len(disclosures), len(expected), "one row per registrant shown")
        self.assertEqual(set(disclosures.mapped("channel")), {"rest_write"})
        self.assertEqual(len(disclosures.audit_log_id), 1, "recorded with the call's audit row")
        for disclosure in disclosures:
            self.assertEqual(disclosure.consent_id.partner_id, disclosure.partner_id, "under the registrant's consent")

    def test_group_patch_records_the_group_and_the_members_shown(self):
        body = self._write("PATCH", f"/api/v2/Group/{self.group.uuid}", json={"name": "Zzwritten home"})
        self.assertEqual({m["individual"] for m in body["members"]}, set(self.people[:2].mapped("uuid")))
        self._assert_recorded(self.group, "group:write", self.people[:2])

    def test_adding_a_member_records_every_member_the_answer_names(self):
        body = self._write("POST", f"/api/v2/Group/{self.group.uuid}/members", json={"individual": self.people[3].uuid})
        self.assertEqual(
            {m["individual"] for m in body["members"]}, set((self.people[:2] | self.people[3]).mapped("uuid"))
        )
        self._assert_recorded(self.group, "group:write", self.people[:2] | self.people[3])

    def test_archive_records_the_group_and_the_members_shown(self):
        self._write("DELETE", f"/api/v2/Group/{self.group.uuid}", json={"reason": "Household left the area"})
        self._assert_recorded(self.group, "group:write", self.people[:2])

    def test_individual_patch_records_the_individual(self):
        body = self._write("PATCH", f"/api/v2/Individual/{self.people[0].uuid}", json={"addl_name": "Zzmiddle"})
        self.assertEqual(body["given_name"], "Member0", "the answer shows fields the writer did not send")
        self._assert_recorded(self.people[0], "individual:write")

    def test_membership_writes_record_the_registrant(self):
        body = self._write(
            "POST",
            "/api/v2/ProgramMembership",
            status=201,
            json={"program": self.program.uuid, "registrant": self.people[0].uuid, "enrol": True},
        )
        self.assertEqual((body["registrant"], body["state"]), (self.people[0].uuid, "enrolled"))
        self._assert_recorded(self.people[0], "membership:write")
        membership = self.env["g2p.program.membership"].search([("uuid", "=", body["uuid"])])
        self._write("POST", f"/api/v2/ProgramMembership/{membership.uuid}/pause", json=None)
        self._write("PATCH", f"/api/v2/ProgramMembership/{membership.uuid}", json={"state": "enrolled"})
        disclosures = self._disclosures()
        self.assertEqual(len(disclosures), 3, "one row per answer")
        self.assertEqual(set(disclosures.mapped("scope")), {"membership:write"})
        self.assertEqual(len(disclosures.audit_log_id), 3, "each with its call's audit row")

    def test_refused_membership_writes_record_nothing(self):
        # the third member gave no consent: answered as unknown, nothing recorded
        self._write(
            "POST",
            "/api/v2/ProgramMembership",
            status=422,
            json={"program": self.program.uuid, "registrant": self.people[2].uuid},
        )
        self.assertFalse(self.env["g2p.program.membership"].search([("partner_id", "=", self.people[2].id)]))
        self.assertFalse(self._disclosures(), "nothing answered, nothing recorded")

    def test_refused_writes_record_nothing(self):
        self._write("PATCH", f"/api/v2/Individual/{self.people[2].uuid}", status=404, json={"addl_name": "Zz"})
        self._write("PATCH", f"/api/v2/Group/{self.group.uuid}", status=422, json={"name": 5})
        self._write(
            "POST",
            f"/api/v2/Group/{self.group.uuid}/members",
            status=422,
            json={"individual": self.people[2].uuid},  # unreadable: answered as unknown
        )
        self.assertFalse(self._disclosures(), "nothing answered, nothing recorded")

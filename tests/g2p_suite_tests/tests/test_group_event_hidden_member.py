"""Seventh audit: a partner subscribed to ``group.updated`` was told each time someone it may not read (no consent
for it, another company's person) joined or left a household it reads: the event showed the household as it may
see it, unchanged, and ``changes: []``, but its mere arrival said that someone hidden came or went. An event whose
only change is to memberships of people a client may not read is now not queued for that client (no delivery, no
attempt); the clients that read one of those people get it as before, and a change of anything else of the
household still reaches every reader of it, without the hidden member."""

import json
from datetime import date

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.g2p_dci_search.tests.common import DciAsyncCase
from odoo.addons.g2p_partner_api.services.registry_service import readable_relations
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase, partner_subscriptions

KIND = "urn:g2p:vocab:group-membership-kind"


def consents(env, client, partners, purpose, scope):
    """``client``'s consents to read ``partners`` for ``purpose`` with ``scope``, given before today in every time
    zone (an Officer's today may be a day behind the test's)."""
    return env["g2p.consent"].create(
        [
            {
                "partner_id": partner.id,
                "client_id": client.id,
                "purpose_id": env.ref(f"g2p_api_consent.vocab_consent_purpose_{purpose}").id,
                "scope_ids": [(6, 0, env.ref(f"g2p_partner_api.scope_{scope}").ids)],
                "evidence_reference": "F-GRPEVT",
                "given_date": "2026-01-01",
            }
            for partner in partners
        ]
    )


@tagged("post_install", "-at_install")
class TestGroupEventOfHiddenMember(G2PApiCase):
    """Partner A reads the household, its head and one more person (consent), not the person M; partner B reads
    everyone (legal basis) and writes households. Both subscribe to ``group.updated``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader, _secret = cls._create_client("Zzgrpevt reader A", scopes=["group:read"], legal_basis=None)
        cls.writer, cls.writer_secret = cls._create_client(
            "Zzgrpevt writer B", scopes=["group:read", "group:write", "individual:read", "individual:write"]
        )
        Partner = cls.env["res.partner"]
        cls.head, cls.seen, cls.hidden = Partner.create(
            [
                {"is_registrant": True, "given_name": given, "family_name": "Zzgrpevt"}
                for given in ("Ama", "Esi", "Kofi")
            ]
        )
        cls.head_kind = cls.env["g2p.vocabulary.code"]._resolve(KIND, "head", "kinds")
        cls.group = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Zzgrpevt household",
                "group_member_ids": [
                    Command.create(
                        {"individual_id": cls.head.id, "start_date": "2020-01-01", "kind_ids": cls.head_kind.ids}
                    )
                ],
            }
        )
        consents(cls.env, cls.reader, cls.group | cls.head | cls.seen, "service_delivery", "group_read")
        cls.officer = new_test_user(cls.env, "grpevt_officer", groups="g2p_partner_api.group_registry_officer")
        cls.approver = new_test_user(cls.env, "grpevt_approver", groups="g2p_partner_api.group_registry_approver")
        cls.sub_a, cls.sub_b = partner_subscriptions(
            cls.env,
            "g2p_partner_api.event_group_updated",
            [("Zzgrpevt A", cls.reader, "a.example.org"), ("Zzgrpevt B", cls.writer, "b.example.org")],
        )

    def setUp(self):
        super().setUp()
        self.commit_events()  # the fixture's own events
        _scope, as_a, _named = self.sub_a._payload_for(self.reader, "group.updated", self.group)
        self.assertEqual([m["individual"] for m in as_a["members"]], [self.head.uuid], "A reads the head only")
        people = (self.seen | self.hidden).with_env(self.sub_a._reader_env())
        self.assertEqual(readable_relations(self.reader, people, "group:read"), self.seen, "A may read her, not M")

    def _events(self, change):
        """The events of ``group.updated`` for A and for B that ``change()`` leads to, once committed."""
        before_a, before_b = self.sub_a.delivery_ids, self.sub_b.delivery_ids
        change()
        self.commit_events()
        new_a, new_b = self.sub_a.delivery_ids - before_a, self.sub_b.delivery_ids - before_b
        return [json.loads(d.body) for d in new_a], [json.loads(d.body) for d in new_b]

    def assert_told_to_b_only(self, events, change):
        for_a, for_b = events
        self.assertEqual(for_a, [], "A is not told that someone it may not read joined or left")
        self.assertEqual(len(for_b), 1, "B, who reads M, is")
        self.assertIn(self.hidden.uuid, [m["individual"] for m in for_b[0]["data"]["members"]])
        if change:
            self.assertEqual([(c["change"], c["individual"]) for c in for_b[0]["data"]["changes"]], [change])
        return for_b[0]

    def _rest(self, method, path, **body):
        with self._api() as api:
            response = api.request(
                method,
                f"/api/v2/Group/{self.group.uuid}{path}",
                json=body,
                headers=self._auth(self.writer, self.writer_secret),
            )
        self.assertEqual(response.status_code, 200, response.text)
        return response

    def test_hidden_member_added_and_ended_through_rest_is_not_told_to_a(self):
        self.assert_told_to_b_only(
            self._events(lambda: self._rest("POST", "/members", individual=self.hidden.uuid)),
            ("member_added", self.hidden.uuid),
        )
        self.assert_told_to_b_only(
            self._events(
                lambda: self._rest(
                    "POST", f"/members/{self.hidden.uuid}/end", end_date=str(date.today()), reason="Moved"
                )
            ),
            ("membership_ended", self.hidden.uuid),
        )
        self.assertFalse(self.env["g2p.api.delivery"].search([("client_id", "=", self.reader.id)]), "no row at all")

    def test_member_a_reads_is_still_told_to_a(self):
        for_a, for_b = self._events(lambda: self._rest("POST", "/members", individual=self.seen.uuid))
        self.assertEqual((len(for_a), len(for_b)), (1, 1))
        self.assertEqual(
            [(c["change"], c["individual"]) for c in for_a[0]["data"]["changes"]], [("member_added", self.seen.uuid)]
        )

    def test_a_reads_one_of_them_as_a_rest_read_would(self):
        """The rule both the REST events and the DCI notifications ask (``registry_service.reads_any``): consent
        and the record rules of the reader decide, and an archived person still counts (her memberships are hers)."""

        def reads(people):
            return self.sub_a._reads_any(self.reader, "group:read", people.ids)

        self.assertTrue(reads(self.seen | self.hidden))
        self.assertFalse(reads(self.hidden), "no consent")
        self.seen.active = False
        self.assertTrue(reads(self.seen), "archived")
        self.seen.company_id = self.env["res.company"].create({"name": "Zzgrpevt registry B"})
        self.assertFalse(reads(self.seen), "another company's, consent or not")

    def _put_with_the_hidden_member(self, **fields):
        """B's PUT of the household as it reads it, with ``fields`` changed and M added: one transaction."""
        with self._api() as api:
            headers = self._auth(self.writer, self.writer_secret)
            group = api.get(f"/api/v2/Group/{self.group.uuid}", headers=headers).json()
            group.update(fields)
            group["members"].append({"individual": self.hidden.uuid, "kinds": []})
            answer = api.put(f"/api/v2/Group/{self.group.uuid}", json=group, headers=headers)
        self.assertEqual(answer.status_code, 200, answer.text)

    def test_whole_list_put_adding_the_hidden_member_is_not_told_to_a(self):
        self.assert_told_to_b_only(self._events(self._put_with_the_hidden_member), None)

    def test_hidden_member_added_and_ended_by_an_officer_in_the_back_office(self):
        def form():
            return Form(self.group.with_user(self.officer), view="g2p_partner_api.view_registrant_form")

        def add():
            with form() as household, household.group_member_ids.new() as line:
                line.individual_id = self.hidden

        def end():
            with form() as household:
                # the memberships in the order of their creation: M's is the last
                with household.group_member_ids.edit(len(household.group_member_ids) - 1) as line:
                    self.assertEqual(line.individual_id, self.hidden)
                    line.end_date = date.today()

        self.assert_told_to_b_only(self._events(add), None)
        self.assert_told_to_b_only(self._events(end), None)
        self.assertEqual(self._membership_of(self.hidden).end_date, date.today())

    def _membership_of(self, individual):
        return self.group.group_member_ids.filtered(lambda m: m.individual_id == individual)

    def test_membership_row_written_directly_queues_no_group_event(self):
        Membership = self.env["g2p.group.membership"].with_user(self.officer)
        for_a, for_b = self._events(
            lambda: Membership.create({"group_id": self.group.id, "individual_id": self.hidden.id})
        )
        self.assertEqual((for_a, for_b), ([], []), "a membership is membership.changed, of both its registrants")

    def test_household_update_applied_from_ingest_is_not_told_to_a(self):
        CR = self.env["g2p.change.request"].sudo()
        members = [{"individual": self.head.uuid, "kinds": ["head"]}, {"individual": self.hidden.uuid, "kinds": []}]
        request = CR.create(
            {
                "operation": "update",
                "target": "group",
                "client_id": self.writer.id,
                "registrant_id": self.group.id,
                "proposed_values": json.dumps({"name": self.group.name, "members": members}),
                "current_values": json.dumps(CR._snapshot(self.group)),
            }
        )
        self.assert_told_to_b_only(self._events(request.with_user(self.approver).action_approve), None)
        self.assertEqual(request.state, "applied")

    def test_group_change_with_the_hidden_member_in_one_call_is_told_without_him(self):
        def rename_and_add():
            self._put_with_the_hidden_member(name="Zzgrpevt household renamed")

        for_a, for_b = self._events(rename_and_add)
        self.assertEqual((len(for_a), len(for_b)), (1, 1), "one event per transaction")
        self.assertEqual(for_a[0]["data"]["name"], "Zzgrpevt household renamed")
        self.assertEqual([m["individual"] for m in for_a[0]["data"]["members"]], [self.head.uuid])
        self.assertNotIn(self.hidden.uuid, json.dumps(for_a), "nothing of M")
        self.assertIn(self.hidden.uuid, [m["individual"] for m in for_b[0]["data"]["members"]])

    def test_one_write_of_a_field_and_the_hidden_member_is_told_without_him(self):
        def write():
            self.group.with_user(self.officer).write(
                {"city": "Zzgrpevt town", "group_member_ids": [Command.create({"individual_id": self.hidden.id})]}
            )

        for_a, for_b = self._events(write)
        self.assertEqual((len(for_a), len(for_b)), (1, 1))
        self.assertNotIn(self.hidden.uuid, json.dumps(for_a))

    def test_writes_of_the_hidden_member_then_a_field_in_one_transaction_are_one_event_without_him(self):
        def add_then_move():
            household = self.group.with_user(self.officer)
            household.write({"group_member_ids": [Command.create({"individual_id": self.hidden.id})]})
            household.write({"city": "Zzgrpevt town"})

        for_a, for_b = self._events(add_then_move)
        self.assertEqual((len(for_a), len(for_b)), (1, 1), "one event per transaction")
        self.assertEqual(for_a[0]["data"]["address"]["city"], "Zzgrpevt town")
        self.assertNotIn(self.hidden.uuid, json.dumps(for_a))


@tagged("post_install", "-at_install")
class TestDciNotifyOfHiddenMember(DciAsyncCase):
    """The same through DCI: a participant subscribed to UPDATE and NewHouseHoldMember of households reads the
    household and one person (consent), not M; it is not notified that M joined or left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.legal_basis_enabled = False
        Partner = cls.env["res.partner"]
        cls.seen, cls.hidden = Partner.create(
            [{"is_registrant": True, "given_name": given, "family_name": "Zzdcigrpevt"} for given in ("Esi", "Kofi")]
        )
        cls.household = Partner.create(
            {"is_registrant": True, "is_group": True, "name": "Zzdcigrpevt household", "city": "Zzdcitown"}
        )
        consents(cls.env, cls.client, cls.household | cls.seen, "eligibility_verification", "dci_search")

    def _notified(self):
        return sorted(c["message"]["notify_event"][0]["data"].get("reg_event_type", "UPDATE") for c in self.callbacks())

    def test_hidden_member_joining_or_leaving_is_not_notified(self):
        for event_type in ("UPDATE", "spdci:common:RegistryEventType:NewHouseHoldMember"):
            self.subscribe(event_type, {"locality": "Zzdcitown"}, reg_type="Household")
        joined = {"individual_id": self.hidden.id, "start_date": "2024-01-01"}
        self.household.write({"group_member_ids": [Command.create(joined)]})
        self.assertEqual(self._notified(), [], "M joined: nothing")
        ended = {"end_date": date.today()}
        self.household.write({"group_member_ids": [Command.update(self.household.group_member_ids.id, ended)]})
        self.assertEqual(self._notified(), [], "M left: nothing")
        self.household.write({"group_member_ids": [Command.create({"individual_id": self.seen.id})]})
        self.assertEqual(self._notified(), ["NewHouseHoldMember", "UPDATE"], "someone it reads joined")
        self.household.write({"name": "Zzdcigrpevt household renamed"})
        self.assertEqual(self._notified(), ["UPDATE"])

    def test_archived_member_it_reads_joining_is_notified(self):
        self.subscribe(
            "spdci:common:RegistryEventType:NewHouseHoldMember", {"locality": "Zzdcitown"}, reg_type="Household"
        )
        self.seen.active = False
        self.household.write({"group_member_ids": [Command.create({"individual_id": self.seen.id})]})
        self.assertEqual(self._notified(), ["NewHouseHoldMember"], "she is archived, still read")

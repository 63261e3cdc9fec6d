"""A household proposal cannot rewrite a registered person from the side (issue #25), and nothing is approved
past an undecided candidate: the attacks go through the signed ingest app and the web client's JSON-RPC."""

import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .common import IngestCase, public_pem
from .test_duplicates import registrant

REFUSED = "odoo.exceptions.UserError"


@tagged("post_install", "-at_install")
class TestHouseholdCannotRewriteAPerson(JsonRpcAttackMixin, IngestCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = cls._user("xp_approver", "base.group_user,g2p_partner_api.group_registry_approver")
        # a partner with no consent on the person it attacks
        cls.attacker, cls.attacker_secret = cls._create_client(
            "Side writer",
            scopes=["individual:read", "ingest:write"],
            legal_basis=None,
            partner_mnemonic="SIDEWRITER",
            public_key=public_pem(cls.key),
        )
        cls.victim = registrant(cls.env, "Chikondi", "Phiri", "1970-04-04", nid="94000001")
        cls.household_model = cls.env.ref("g2p_partner_ingest.data_model_household_batch")

    def attack(self, household_id="HH-XP-1"):
        """The signed HOUSEHOLD_BATCH ADD of a new household whose head carries the victim's national id,
        another name and another birth date."""
        households = [
            {
                "household_id": household_id,
                "name": "Side household",
                "members": [
                    {
                        "first_name": "Mallory",
                        "last_name": "Side",
                        "dob": "2001-01-01",
                        "sex": "M",
                        "national_id": "94000001",
                        "relationship": "head",
                    },
                    {"first_name": "Newborn", "last_name": "Side", "dob": "2024-02-02", "relationship": "child"},
                ],
            }
        ]
        data, rows = self.ingest(self.body({"households": households}, sender="SIDEWRITER"))
        self.assertEqual(rows.state, "done", rows.error_message)
        return rows.change_request_id

    def victim_state(self):
        self.env.invalidate_all()
        victim = self.victim
        return (
            victim.name,
            victim.given_name,
            victim.birthdate,
            victim.gender_id,
            victim.group_membership_ids.filtered(lambda m: not m.is_ended).group_id,
        )

    def request_state(self, request):
        self.env.invalidate_all()
        return (request.state, request.registrant_id, request.reviewer_id, request.duplicate_ids.mapped("resolution"))

    def test_add_naming_a_registered_person_is_flagged_and_not_approved_until_decided(self):
        before = self.victim_state()
        request = self.attack()
        self.assertEqual((request.operation, request.state), ("add", "pending"))
        self.assertTrue(request.existing_person_change)
        self.assertTrue(request.needs_decision)
        line = request.duplicate_ids
        self.assertEqual((line.kind, line.partner_id, line.member_index), ("existing_person", self.victim, 0))
        # the review screen: the member is an existing person who will change, current beside proposed
        self.assertIn("Existing person will change", request.diff_html)
        self.assertIn("data-status='existing'", request.diff_html)
        self.assertIn("<td>Chikondi</td><td>Mallory</td>", request.diff_html, "registered beside proposed")
        self.assertIn("<td>Phiri</td><td>Side</td>", request.diff_html)

        self._as("xp_approver")
        unflagged = self.attack_free_request()
        for ids in ([request.id], [unflagged.id, request.id]):  # single and bulk approval
            result, raised = self.call_button("g2p.change.request", "action_approve", ids)
            self.assertEqual(raised, REFUSED, ids)
        self.assertEqual(
            self.request_state(request), ("pending", self.env["res.partner"], self.env["res.users"], [False])
        )
        self.assertEqual(unflagged.state, "pending", "a bulk approval is refused as a whole")
        self.assertEqual(self.victim_state(), before, "the registered person is unchanged")
        with self.assertRaisesRegex(UserError, "Decide first whether Member 1: Mallory Side may change the registered"):
            request.with_user(self.approver).action_approve()

        # an explicit decision, recorded, then the approval applies it
        result, raised = self.call_button("g2p.change.request.duplicate", "action_update_existing", [line.id])
        self.assertIsNone(raised)
        self.env.invalidate_all()
        self.assertEqual((line.resolution, line.resolved_by_id), ("update", self.approver))
        self.assertTrue(line.resolved_date)
        self.assertFalse(request.needs_decision)
        self.assertEqual(self.victim_state(), before, "a decision alone changes nobody")
        result, raised = self.call_button("g2p.change.request", "action_approve", [request.id])
        self.assertIsNone(raised)
        self.env.invalidate_all()
        self.assertEqual(request.state, "applied")
        self.assertEqual((self.victim.given_name, str(self.victim.birthdate)), ("Mallory", "2001-01-01"))
        self.assertIn(request.registrant_id, self.victim.group_membership_ids.group_id)

    def attack_free_request(self):
        """An honest pending ADD of a new household, for the bulk approval."""
        households = [{"household_id": "HH-XP-HONEST", "name": "Honest household", "members": []}]
        data, rows = self.ingest(self.body({"households": households}))
        self.assertFalse(rows.change_request_id.needs_decision)
        return rows.change_request_id

    def test_member_left_out_by_decision_leaves_the_person_as_registered(self):
        before = self.victim_state()
        request = self.attack("HH-XP-2")
        self._as("xp_approver")
        result, raised = self.call_button(
            "g2p.change.request.duplicate", "action_not_duplicate", request.duplicate_ids.ids
        )
        self.assertEqual(raised, REFUSED, "not the decision of this line")
        result, raised = self.call_button(
            "g2p.change.request.duplicate", "action_reject_member", request.duplicate_ids.ids
        )
        self.assertIsNone(raised)
        self.assertIn("Left out by decision", self.env["g2p.change.request"].browse(request.id).diff_html)
        result, raised = self.call_button("g2p.change.request", "action_approve", [request.id])
        self.assertIsNone(raised)
        self.env.invalidate_all()
        self.assertEqual(request.state, "applied")
        self.assertEqual(request.registrant_id.group_member_ids.individual_id.mapped("given_name"), ["Newborn"])
        self.assertEqual(self.victim_state(), before)

    def test_viewer_and_officer_cannot_decide(self):
        request = self.attack("HH-XP-3")
        self._user("xp_viewer", "base.group_user,g2p_partner_api.group_registry_viewer")
        self._user("xp_officer", "base.group_user,g2p_partner_api.group_registry_officer")
        for login in ("xp_viewer", "xp_officer"):
            self._as(login)
            for method in ("action_update_existing", "action_reject_member"):
                result, raised = self.call_button("g2p.change.request.duplicate", method, request.duplicate_ids.ids)
                self.assertEqual(raised, "odoo.exceptions.AccessError", (login, method))
            result, raised = self.call_kw(
                "g2p.change.request",
                "write",
                [[request.id], {"needs_decision": False, "existing_person_change": False}],
            )
            self.assertEqual(raised, "odoo.exceptions.AccessError", login)
        self.assertEqual(
            self.request_state(request), ("pending", self.env["res.partner"], self.env["res.users"], [False])
        )

    def test_officer_edit_or_proposal_naming_a_registered_person_is_flagged(self):
        self._user("xp_officer2", "base.group_user,g2p_partner_api.group_registry_officer")
        honest = self.attack_free_request()
        before = self.victim_state()
        side_member = {
            "given_name": "Mallory",
            "family_name": "Side",
            "birthdate": "2001-01-01",
            "identifiers": [{"system": "urn:g2p:id:national-id", "value": "94000001"}],
            "kinds": ["head"],
        }
        edited = dict(json.loads(honest.proposed_values), members=[side_member])
        self._as("xp_officer2")
        result, raised = self.call_kw(
            "g2p.change.request", "write", [[honest.id], {"proposed_values": json.dumps(edited)}]
        )
        self.assertIsNone(raised)
        created, raised = self.call_kw(
            "g2p.change.request",
            "create",
            [{"operation": "add", "target": "group", "proposed_values": json.dumps(dict(edited, name="By hand"))}],
        )
        self.assertIsNone(raised)
        by_hand = self.env["g2p.change.request"].browse(created)
        self.env.invalidate_all()
        for request in (honest, by_hand):
            self.assertTrue(request.existing_person_change, request.name)
            self.assertEqual(request.duplicate_ids.partner_id, self.victim)
        self._as("xp_approver")
        for request in (honest, by_hand):
            result, raised = self.call_button("g2p.change.request", "action_approve", [request.id])
            self.assertEqual(raised, REFUSED, request.name)
            self.assertEqual(request.state, "pending")
        self.assertEqual(self.victim_state(), before)

    def test_auto_approval_leaves_it_for_review(self):
        self.household_model.sudo().auto_approve = True
        before = self.victim_state()
        request = self.attack("HH-XP-4")
        self.assertEqual(request.state, "pending", "waits for a person whatever the data model says")
        self.assertEqual(self.victim_state(), before)
        honest = self.attack_free_request()
        self.assertEqual(honest.state, "applied", "an unflagged household is still auto-approved")

    def test_a_person_registered_after_the_proposal_is_not_rewritten(self):
        households = [
            {
                "household_id": "HH-XP-5",
                "name": "Late household",
                "members": [
                    {"first_name": "Late", "last_name": "Comer", "dob": "1999-09-09", "national_id": "94000055"}
                ],
            }
        ]
        data, rows = self.ingest(self.body({"households": households}))
        request = rows.change_request_id
        self.assertFalse(request.needs_decision)
        late = registrant(self.env, "Registered", "Since", "1960-06-06", nid="94000055")
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "failed", "applying would have rewritten someone nobody decided on")
        self.assertEqual(late.given_name, "Registered")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Late household")]))
        request.with_user(self.approver).action_retry()
        self.assertEqual((request.state, request.existing_person_change), ("pending", True))


@tagged("post_install", "-at_install")
class TestApprovalPastAnUndecidedDuplicate(JsonRpcAttackMixin, IngestCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("pd_approver", "base.group_user,g2p_partner_api.group_registry_approver")
        cls.amina = registrant(cls.env, "Amina", "Okonkwo", "1988-03-02", nid="93200001")

    def test_approve_and_bulk_approve_refused_until_decided(self):
        data, rows = self.ingest(
            self.body({"person": self.person(nid="93200099", first="Aminah", last="Okonkwo", dob="1988-03-02")})
        )
        flagged = rows.change_request_id
        data, rows = self.ingest(
            self.body({"person": self.person(nid="93200098", first="Peter", last="Zulu", dob="1979-11-30")})
        )
        other = rows.change_request_id
        self.assertTrue(flagged.possible_duplicate)
        self.assertFalse(other.needs_decision)
        count = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        self._as("pd_approver")
        for ids in ([flagged.id], [other.id, flagged.id]):
            result, raised = self.call_button("g2p.change.request", "action_approve", ids)
            self.assertEqual(raised, REFUSED, ids)
        self.env.invalidate_all()
        self.assertEqual((flagged.state, other.state), ("pending", "pending"))
        self.assertFalse(flagged.reviewer_id)
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), count)
        self.assertEqual(self.amina.given_name, "Amina")
        result, raised = self.call_button(
            "g2p.change.request.duplicate", "action_not_duplicate", flagged.duplicate_ids.ids
        )
        self.assertIsNone(raised)
        result, raised = self.call_button("g2p.change.request", "action_approve", [other.id, flagged.id])
        self.assertIsNone(raised)
        self.env.invalidate_all()
        self.assertEqual((flagged.state, other.state), ("applied", "applied"))
        self.assertNotEqual(flagged.registrant_id, self.amina)
        self.assertEqual(json.loads(flagged.proposed_values)["given_name"], flagged.registrant_id.given_name)

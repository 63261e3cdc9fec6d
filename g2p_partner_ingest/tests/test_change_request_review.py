"""The review screen in the registry's words (issue #20): the diff, names, proposal errors, who reviews, failures."""

import json
import re

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import IngestCase, household_under_review, text_of


@tagged("post_install", "-at_install")
class TestChangeRequestReview(IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env, "rv_approver", name="Rita Approver", groups="g2p_partner_api.group_registry_approver"
        )
        cls.approver_2 = new_test_user(
            cls.env, "rv_approver_2", name="Tom Approver", groups="g2p_partner_api.group_registry_approver"
        )
        cls.officer = new_test_user(cls.env, "rv_officer", groups="g2p_partner_api.group_registry_officer")
        cls.viewer = new_test_user(cls.env, "rv_viewer", groups="g2p_partner_api.group_registry_viewer")

    def _sections(self, request):
        html = str(request.diff_html)
        return re.findall(r"<section [^>]*data-status='(\w+)'>(.*?)</section>", html, re.S)

    def test_individual_diff_in_registry_words(self):
        person = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Ruth",
                "family_name": "Banda",
                "birthdate": "1990-01-31",
                "city": "Zomba",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "950501"})
                ],
            }
        )
        proposed = {
            "given_name": "Ruth",
            "family_name": "Banda-Phiri",
            "birthdate": "1990-01-31",
            "gender": "female",
            "identifiers": [
                {"system": "urn:g2p:id:national-id", "value": "950501"},
                {"system": "urn:g2p:id:passport", "value": "MW1234567"},
            ],
        }
        request = self.CR.create(
            {
                "operation": "update",
                "target": "individual",
                "registrant_id": person.id,
                "proposed_values": json.dumps(proposed),
                "current_values": json.dumps(self.CR._snapshot(person)),
            }
        )
        html = str(request.diff_html)
        text = text_of(html)
        for words in ("Family name Banda Banda-Phiri", "Gender Female", "Identifier Passport: MW1234567"):
            self.assertIn(words, text)
        for words in ("Given name Ruth Ruth", "Birth date 01/31/1990", "Identifier National ID: 950501"):
            self.assertIn(words, text)
        for internal in ("urn:", "identifiers[", "family_name", "female"):
            self.assertNotIn(internal, html)
        self.assertIn("City Zomba Zomba", text, "a field the proposal leaves out is kept, and shown so")
        changed, unchanged = html.index("o_g2p_changed"), html.index("<details class='o_g2p_unchanged'>")
        self.assertLess(changed, unchanged, "changed rows first")
        self.assertNotIn("o_g2p_changed", html[unchanged:], "only unchanged rows behind the toggle")
        self.assertIn("Given name", html[unchanged:])

    def test_household_grouped_member_by_member_and_applied_as_shown(self):
        request, people = household_under_review(self.env)
        sections = self._sections(request)
        self.assertEqual(sections[0][0], "unchanged", "the household's own fields do not change")
        self.assertIn("Identifier Household ID: HH-RV1", text_of(sections[0][1]))
        by_status = {}
        for status, body in sections[1:]:
            by_status.setdefault(status, []).append(text_of(body))
        self.assertEqual(
            [status for status, _body in sections[1:]], ["changed", "added", "ended", "unchanged"], "changed first"
        )
        musa = by_status["changed"][0]
        self.assertIn("Musa Otieno-Banda Head", musa)
        self.assertIn("Family name Otieno Otieno-Banda", musa)
        self.assertIn("Identifier Passport: MW1234567", musa)
        self.assertIn("Gender Male Male", musa)
        self.assertIn("Neo Otieno Child", by_status["added"][0])
        self.assertIn("Membership Child Ended", by_status["ended"][0])
        self.assertIn("John Otieno", by_status["ended"][0])
        self.assertIn("Ruth Otieno Spouse", by_status["unchanged"][0])

        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied", request.error_message)
        household = people["household"]
        open_members = household.group_member_ids.filtered(lambda m: not m.is_ended)
        self.assertEqual(sorted(open_members.individual_id.mapped("given_name")), ["Musa", "Neo", "Ruth"])
        self.assertTrue(household.group_member_ids.filtered(lambda m: m.individual_id == people["john"]).is_ended)
        self.assertTrue(people["john"].active, "a member who left stays in the register")
        self.assertEqual(people["musa"].family_name, "Otieno-Banda")
        self.assertIn("MW1234567", people["musa"].reg_id_ids.mapped("value"))

    def test_household_proposal_without_members_keeps_them(self):
        request, people = household_under_review(self.env)
        proposed = dict(self.proposed(request), members=[], city="Lilongwe")
        request.with_user(self.officer).write({"proposed_values": json.dumps(proposed)})
        self.assertNotIn("Membership", text_of(request.diff_html))
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied", request.error_message)
        self.assertFalse(any(people["household"].group_member_ids.mapped("is_ended")))

    def test_proposed_markup_shows_as_text(self):
        hostile = {
            "given_name": "<script>window.g2pXss = 1</script>",
            "family_name": '<img src="x" onerror="window.g2pXss = 1">',
        }
        request = self.CR.with_user(self.officer).create(
            {"operation": "add", "target": "individual", "proposed_values": json.dumps(hostile)}
        )
        html = str(request.diff_html)
        self.assertNotIn("<script", html)
        self.assertNotIn("<img", html)
        self.assertIn("&lt;script&gt;window.g2pXss = 1&lt;/script&gt;", html)
        self.assertIn("&lt;img src=&#34;x&#34; onerror=&#34;window.g2pXss = 1&#34;&gt;", html)

    def test_add_requests_carry_the_proposed_name(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="96100001", first="Grace", last="Kamau")}))
        request = rows.change_request_id
        self.assertEqual(request.operation, "add")
        self.assertEqual(request.subject_name, "Grace Kamau")
        self.assertEqual(request.display_name, f"{request.name} · Grace Kamau")
        self.assertIn(request, self.CR.search([("display_name", "ilike", "Grace Kam")]))
        self.assertEqual(self.CR.name_search("Grace Kam")[0][0], request.id)
        request.with_user(self.approver).action_approve()
        request.registrant_id.name = "Grace Kamau-Phiri"
        self.assertEqual(request.subject_name, "Grace Kamau-Phiri", "once applied, the registrant's name")

    def test_proposal_checked_on_save_in_words(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="96200001")}))
        request = rows.change_request_id
        before = request.proposed_values
        cases = {
            "Birth date: not a valid date": dict(self.proposed(request), birthdate="31/02/1990"),
            "Given name: must not be empty": dict(self.proposed(request), given_name=""),
            "Gender: unknown code 'f'": dict(self.proposed(request), gender="f"),
            "Identifier: unknown ID type 'urn:g2p:id:voter'": dict(
                self.proposed(request), identifiers=[{"system": "urn:g2p:id:voter", "value": "1"}]
            ),
            "Identifier 1, Number: must not be empty": dict(
                self.proposed(request), identifiers=[{"system": "urn:g2p:id:passport", "value": ""}]
            ),
            "nickname: not a field the registry knows": dict(self.proposed(request), nickname="Gee"),
        }
        for words, proposal in cases.items():
            with self.assertRaises(ValidationError, msg=words) as caught:
                request.with_user(self.officer).write({"proposed_values": json.dumps(proposal)})
            self.assertIn(words, str(caught.exception))
        with self.assertRaisesRegex(ValidationError, r"not valid JSON \(line 1, column 2\)"):
            request.with_user(self.officer).write({"proposed_values": "{given_name: 1}"})
        request.invalidate_recordset()
        self.assertEqual((request.proposed_values, request.last_editor_id.id), (before, False), "nothing saved")
        household, _people = household_under_review(self.env, suffix="2")
        members = self.proposed(household)["members"]
        members[1]["birthdate"] = "1984-13-01"
        with self.assertRaisesRegex(ValidationError, "Member 2, Birth date: not a valid date"):
            household.with_user(self.officer).write(
                {"proposed_values": json.dumps(dict(self.proposed(household), members=members))}
            )
        with self.assertRaisesRegex(ValidationError, "Given name: required"):
            self.CR.with_user(self.officer).create(
                {"operation": "add", "target": "individual", "proposed_values": json.dumps({"family_name": "X"})}
            )
        request.with_user(self.officer).write(
            {"proposed_values": json.dumps(dict(self.proposed(request), family_name="Fixed"))}
        )
        self.assertEqual(self.proposed(request)["family_name"], "Fixed")

    def test_code_or_id_type_archived_after_the_proposal_is_refused_when_applied(self):
        """Applying resolves codes and ID types from the worker's snapshot of reference data, as the review does:
        one archived since the proposal (the snapshot already filled) is refused naming the field, nothing written,
        the proposal as it was; restored, the same request applies."""
        female = self.env.ref("g2p_partner_api.vocab_gender_female")
        passport = self.env.ref("g2p_partner_api.id_type_passport")
        _data, rows = self.ingest(self.body({"person": self.person(nid="96400001", first="Archived", sex="F")}))
        by_code = rows.change_request_id
        _data, rows = self.ingest(self.body({"person": self.person(nid="96400002", first="Passport", sex="M")}))
        by_id_type = rows.change_request_id
        proposal = dict(self.proposed(by_id_type))
        proposal["identifiers"] = [*proposal["identifiers"], {"system": passport.namespace_uri, "value": "MW96400"}]
        by_id_type.with_user(self.officer).write({"proposed_values": json.dumps(proposal)})
        self.assertEqual(self.env["g2p.vocabulary.code"]._resolve(female.namespace_uri, "female"), female, "warm")
        self.assertEqual(self.env["g2p.id.type"]._resolve(passport.namespace_uri), passport, "warm")
        female.active = passport.active = False
        registrants = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        proposed = (by_code.proposed_values, by_id_type.proposed_values)
        (by_code | by_id_type).with_user(self.approver).action_approve()
        self.assertEqual((by_code | by_id_type).mapped("state"), ["failed", "failed"])
        self.assertEqual(by_code.error_message, "gender: unknown code 'female' in vocabulary 'urn:g2p:vocab:gender'.")
        self.assertEqual(by_id_type.error_message, "identifiers: unknown identifier system 'urn:g2p:id:passport'.")
        self.assertFalse((by_code | by_id_type).registrant_id)
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), registrants)
        self.assertEqual((by_code.proposed_values, by_id_type.proposed_values), proposed, "input never changed")
        female.active = passport.active = True
        (by_code | by_id_type).with_user(self.approver).action_retry()
        (by_code | by_id_type).with_user(self.approver_2).action_approve()
        self.assertEqual((by_code | by_id_type).mapped("state"), ["applied", "applied"])
        self.assertEqual(by_code.registrant_id.gender_id, female)
        self.assertIn(passport, by_id_type.registrant_id.reg_id_ids.id_type_id)

    def test_who_must_review(self):
        own = self.CR.with_user(self.approver).create(
            {"operation": "add", "target": "individual", "proposed_values": json.dumps({"given_name": "Own"})}
        )
        mine = own.with_user(self.approver)
        self.assertFalse(mine.can_review)
        self.assertEqual(mine.review_notice, "Submitted by Rita Approver: another approver must review it.")
        other = own.with_user(self.approver_2)
        self.assertTrue(other.can_review)
        self.assertFalse(other.review_notice)
        own.with_user(self.approver_2).write({"proposed_values": json.dumps({"given_name": "Owned"})})
        self.assertEqual(
            own.with_user(self.approver_2).review_notice, "Edited by Tom Approver: another approver must review it."
        )
        self.assertEqual(
            own.with_user(self.officer).review_notice, "Submitted by Rita Approver: a Registry Approver must review it."
        )
        for user in (self.approver, self.approver_2):
            with self.assertRaisesRegex(UserError, "Four eyes"):
                own.with_user(user).action_approve()
        self.assertEqual(own.state, "pending")

    def test_failed_request_links_its_conflicts_then_retry_or_reject(self):
        data, first = self.ingest(self.body({"person": self.person(nid="96300001", first="Twin")}))
        data, second = self.ingest(self.body({"person": self.person(nid="96300001", first="Twin", last="Other")}))
        first, second = first.change_request_id, second.change_request_id
        self.assertEqual((first.operation, second.operation), ("add", "add"))
        self.assertEqual(second.conflict_request_ids, self.CR, "only a failed request looks for conflicts")
        first.with_user(self.approver).action_approve()
        second.with_user(self.approver).action_approve()
        self.assertEqual((first.state, second.state), ("applied", "failed"))
        self.assertIn("already assigned", second.error_message)
        self.assertEqual(second.conflict_registrant_ids, first.registrant_id)
        self.assertEqual(second.conflict_request_ids, first)

        before = (second.state, second.operation, second.registrant_id, second.current_values)
        with self.assertRaises(AccessError):
            second.with_user(self.viewer).action_retry()
        with self.assertRaises(UserError):
            second.with_user(self.approver).action_approve()
        with self.assertRaises(UserError):
            first.with_user(self.officer).action_retry()
        second.invalidate_recordset()
        self.assertEqual((second.state, second.operation, second.registrant_id, second.current_values), before)

        second.with_user(self.officer).action_retry()
        self.assertEqual(
            (second.state, second.operation, second.registrant_id, second.error_message),
            ("pending", "update", first.registrant_id, False),
            "matched again as the pipeline does: the person is registered now",
        )
        self.assertIn("Family name Kamau Other", text_of(second.diff_html))
        self.assertTrue(second.with_user(self.approver).can_review, "retrying is not editing")
        second.with_user(self.approver).action_approve()
        self.assertEqual((second.state, first.registrant_id.family_name), ("applied", "Other"))

    def test_failed_request_can_be_rejected(self):
        request, people = household_under_review(self.env, suffix="3")
        holder = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Holder",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_passport").id, "value": "MW3234567"})
                ],
            }
        )
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "failed")
        self.assertEqual(request.conflict_registrant_ids, holder, "a member's identifier held by someone else")
        self.assertFalse(request.with_user(self.approver).review_notice)
        request.with_user(self.approver).action_reject("The passport belongs to someone else")
        self.assertEqual((request.state, request.reviewer_id), ("rejected", self.approver))
        self.assertEqual(people["musa"].family_name, "Otieno", "nothing applied")

    def test_proposal_edited_through_a_form(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="96400001", first="Grace", last="Kamau")}))
        request = rows.change_request_id
        Wizard = self.env["g2p.change.request.edit.wizard"].with_user(self.officer)
        wizard = Wizard.with_context(default_change_request_id=request.id).create({})
        self.assertEqual(
            (wizard.given_name, wizard.family_name, str(wizard.birthdate), wizard.gender_id.display, wizard.city),
            ("Grace", "Kamau", "1992-05-17", "Female", "Zomba"),
        )
        self.assertEqual(
            wizard.identifier_ids.mapped(lambda i: (i.id_type_id.name, i.value)), [("National ID", "96400001")]
        )
        wizard.write(
            {
                "family_name": "Kamau-Phiri",
                "city": False,
                "identifier_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_passport").id, "value": "MW7"})
                ],
            }
        )
        wizard.action_save()
        proposed = self.proposed(request)
        self.assertEqual(
            (proposed["family_name"], proposed["birthdate"], proposed["gender"]),
            ("Kamau-Phiri", "1992-05-17", "female"),
        )
        self.assertNotIn("city", proposed)
        self.assertEqual(
            proposed["identifiers"],
            [
                {"system": "urn:g2p:id:national-id", "value": "96400001"},
                {"system": "urn:g2p:id:passport", "value": "MW7"},
            ],
        )
        self.assertEqual(request.last_editor_id, self.officer, "an edit like any other: four eyes apply")
        wizard = Wizard.with_context(default_change_request_id=request.id).create({})
        wizard.given_name = False
        with self.assertRaisesRegex(ValidationError, "Given name: required"):
            wizard.action_save()
        request.with_user(self.approver).action_reject("Not confirmed")
        wizard = Wizard.with_context(default_change_request_id=request.id).create({})
        with self.assertRaisesRegex(UserError, "only while the request is pending"):
            wizard.action_save()

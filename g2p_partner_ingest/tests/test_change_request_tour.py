import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import household_under_review


@tagged("post_install", "-at_install")
class TestChangeRequestTour(HttpCase):
    def _proposed_person(self, family_name, nid, mnemonic="TOUR"):
        """A pending ADD of an individual, as the pipeline proposes it from partner ``mnemonic``'s item."""
        client = self.env["g2p.api.client"].create({"name": "Tour partner", "partner_mnemonic": mnemonic})
        data_model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        raw = self.env["g2p.ingest.raw"].create(
            {
                "correlation_id": f"tour-corr-{nid}",
                "ingest_id": f"tour-item-{nid}",
                "message_id": f"tour-msg-{nid}",
                "client_id": client.id,
                "data_model_id": data_model.id,
                "payload": "{}",
                "classification_status": "done",
                "transformation_status": "done",
                "ingestion_status": "done",
            }
        )
        proposed = {
            "given_name": "Tourist",
            "family_name": family_name,
            "identifiers": [{"system": "urn:g2p:id:national-id", "value": nid}],
        }
        return self.env["g2p.change.request"].create(
            {
                "operation": "add",
                "target": "individual",
                "client_id": client.id,
                "ingest_raw_id": raw.id,
                "proposed_values": json.dumps(proposed),
            }
        )

    def _review_in_the_browser(self, request, tour, login):
        """``tour`` played on ``request`` by a new approver ``login`` (who did not submit it)."""
        new_test_user(
            self.env, login, password=f"{login}_pw", groups="base.group_user,g2p_partner_api.group_registry_approver"
        )
        self.start_tour(f"/odoo/change-requests/{request.id}", tour, login=login)

    def test_approve_from_the_form(self):
        request = self._proposed_person("Zzdifftest", "97000001")
        self._review_in_the_browser(request, "g2p_change_request_approve", "tour_approver")
        self.assertEqual(request.state, "applied")
        person = request.registrant_id
        self.assertEqual((person.name, person.reg_id_ids.value), ("Tourist Zzdifftest", "97000001"))
        self.assertEqual(request.reviewer_id.login, "tour_approver")

    def test_the_registrant_names_the_request_that_registered_it(self):
        request = self._proposed_person("Zzprovenance", "97000002", mnemonic="TOURPROV")
        self._review_in_the_browser(request, "g2p_change_request_registers", "tour_prov_approver")
        person = request.registrant_id
        self.assertEqual(person.created_by_request_id, request)
        self.assertEqual(person.last_change_request_id, request)
        first_note = person.message_ids[-1:]
        self.assertIn(f'data-oe-id="{request.id}"', first_note.body.replace("'", '"'))
        self.assertNotIn("Contact created", "".join(person.message_ids.mapped("body")))

    def test_reject_shows_only_the_states_of_its_path(self):
        request = self._proposed_person("Zzrejected", "97000003", mnemonic="TOURREJ")
        self._review_in_the_browser(request, "g2p_change_request_reject", "tour_rej_approver")
        self.assertEqual((request.state, request.reason), ("rejected", "Sent twice by the partner"))
        self.assertFalse(request.registrant_id)

    def test_what_an_approver_reads(self):
        household, _people = household_under_review(self.env)
        officer = new_test_user(self.env, "tour_officer", groups="g2p_partner_api.group_registry_officer")
        hostile = (
            self.env["g2p.change.request"]
            .with_user(officer)
            .create(
                {
                    "operation": "add",
                    "target": "individual",
                    "proposed_values": json.dumps(
                        {
                            "given_name": "<script>window.g2pXss = 1</script>",
                            "addl_name": "Xsstest",
                            "family_name": '<img src="x" onerror="window.g2pXss = 1">',
                        }
                    ),
                }
            )
        )
        new_test_user(
            self.env,
            "tour_reader",
            password="tour_reader_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        self.start_tour(f"/odoo/change-requests/{household.id}", "g2p_change_request_review", login="tour_reader")
        self.assertEqual(household.state, "pending", "the reader only read it")
        self.assertEqual((hostile.state, hostile.reviewer_id.login), ("applied", "tour_reader"), "bulk-approved")
        self.assertEqual(hostile.registrant_id.addl_name, "Xsstest")

    def test_the_submitter_is_told_who_must_review(self):
        submitter = new_test_user(
            self.env,
            "tour_submitter",
            name="Tour Submitter",
            password="tour_submitter_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        own = (
            self.env["g2p.change.request"]
            .with_user(submitter)
            .create(
                {
                    "operation": "add",
                    "target": "individual",
                    "proposed_values": json.dumps({"given_name": "Selfmade", "family_name": "Person"}),
                }
            )
        )
        self.start_tour(f"/odoo/change-requests/{own.id}", "g2p_change_request_submitter", login="tour_submitter")
        self.assertEqual(own.state, "pending")

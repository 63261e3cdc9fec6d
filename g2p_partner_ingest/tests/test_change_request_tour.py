import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import household_under_review


@tagged("post_install", "-at_install")
class TestChangeRequestTour(HttpCase):
    def test_approve_from_the_form(self):
        client = self.env["g2p.api.client"].create({"name": "Tour partner", "partner_mnemonic": "TOUR"})
        data_model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        raw = self.env["g2p.ingest.raw"].create(
            {
                "correlation_id": "tour-corr",
                "ingest_id": "tour-item",
                "message_id": "tour-msg",
                "client_id": client.id,
                "data_model_id": data_model.id,
                "payload": "{}",
                "classification_status": "done",
                "transformation_status": "done",
                "ingestion_status": "done",
            }
        )
        request = self.env["g2p.change.request"].create(
            {
                "operation": "add",
                "target": "individual",
                "client_id": client.id,
                "ingest_raw_id": raw.id,
                "proposed_values": '{"given_name": "Tourist", "family_name": "Zzdifftest", '
                '"identifiers": [{"system": "urn:g2p:id:national-id", "value": "97000001"}]}',
            }
        )
        new_test_user(
            self.env,
            "tour_approver",
            password="tour_approver_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        self.start_tour(f"/odoo/change-requests/{request.id}", "g2p_change_request_approve", login="tour_approver")
        self.assertEqual(request.state, "applied")
        person = request.registrant_id
        self.assertEqual((person.name, person.reg_id_ids.value), ("Tourist Zzdifftest", "97000001"))
        self.assertEqual(request.reviewer_id.login, "tour_approver")

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

from odoo.tests import HttpCase, new_test_user, tagged


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

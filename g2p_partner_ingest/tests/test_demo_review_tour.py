from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDemoReviewTour(HttpCase):
    """What a newcomer does on `make run`: approve a pending demo change request in the browser."""

    def test_demo_approver_approves_the_pending_demo_add(self):
        request = self.env.ref("g2p_partner_ingest.demo_change_request_add")
        approver = self.env.ref("g2p_partner_ingest.demo_user_approver")
        self.assertEqual((request.state, request.operation), ("pending", "add"))
        self.assertNotEqual(request.submitted_by_id, approver, "four eyes: the demo approver did not submit it")
        self.start_tour(f"/odoo/change-requests/{request.id}", "g2p_demo_change_request_review", login="approver")
        self.assertEqual(request.state, "applied")
        self.assertEqual(request.reviewer_id, approver)
        person = request.registrant_id
        self.assertEqual((person.name, person.reg_id_ids.value), ("Grace Banda", "100900011"))
        self.assertEqual(person.source_client_id, self.env.ref("g2p_partner_api.demo_api_client"))

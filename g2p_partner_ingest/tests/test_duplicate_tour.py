from odoo.tests import HttpCase, new_test_user, tagged

from .test_duplicates import propose_flagged, registrant


@tagged("post_install", "-at_install")
class TestDuplicateTour(HttpCase):
    def test_flag_open_and_merge_in_the_browser(self):
        submitter = new_test_user(self.env, "tour_dup_submitter", groups="g2p_partner_api.group_registry_approver")
        new_test_user(
            self.env,
            "tour_dup_approver",
            password="tour_dup_approver_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        candidate = registrant(self.env, "Tendai", "Moyo", "1991-06-12", nid="93200001")
        request = propose_flagged(
            self.env, submitter, "Tendaí", "Moyo", "1991-06-12", client_name="Tour duplicate partner", nid="93299999"
        )
        self.assertTrue(request.possible_duplicate)
        self.start_tour("/odoo/change-requests", "g2p_change_request_duplicate", login="tour_dup_approver")
        self.assertEqual((request.operation, request.registrant_id), ("update", candidate))
        self.assertFalse(request.possible_duplicate)
        self.assertEqual(request.duplicate_ids.resolved_by_id.login, "tour_dup_approver")
        self.assertEqual(request.state, "pending", "merged, still waiting for another approver")
        self.assertNotIn(candidate.uuid, str(request.message_ids.mapped("body")), "no uuid in the chatter")

    def test_rejected_request_no_longer_asks_for_a_decision(self):
        submitter = new_test_user(self.env, "tour_dec_submitter", groups="g2p_partner_api.group_registry_approver")
        approver = new_test_user(
            self.env,
            "tour_dec_approver",
            password="tour_dec_approver_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        registrant(self.env, "Rudo", "Banda", "1988-02-03", nid="93200002")
        request = propose_flagged(self.env, submitter, "Rudó", "Banda", "1988-02-03", client_name="Tour decided")
        request.with_user(approver).action_reject("Sent twice by the partner")
        self.assertEqual(request.state, "rejected")
        self.assertTrue(request.possible_duplicate, "the flag stays; only the banner stops asking")
        self.start_tour(
            f"/odoo/change-requests/{request.id}", "g2p_change_request_decided_banner", login="tour_dec_approver"
        )

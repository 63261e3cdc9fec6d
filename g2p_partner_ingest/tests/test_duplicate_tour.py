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
            self.env, submitter, "Tendaí", "Moyo", "1991-06-12", client_name="Tour duplicate partner"
        )
        self.assertTrue(request.possible_duplicate)
        self.start_tour("/odoo/change-requests", "g2p_change_request_duplicate", login="tour_dup_approver")
        self.assertEqual((request.operation, request.registrant_id), ("update", candidate))
        self.assertFalse(request.possible_duplicate)
        self.assertEqual(request.duplicate_ids.resolved_by_id.login, "tour_dup_approver")
        self.assertEqual(request.state, "pending", "merged, still waiting for another approver")

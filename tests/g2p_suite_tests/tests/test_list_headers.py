from odoo.tests import HttpCase, tagged

# the lists people use most, as a registry team opens them from the menus (demo data)
LISTS = (
    "g2p_partner_ingest.action_change_requests",
    "g2p_partner_api.action_individuals",
    "g2p_partner_api.action_deliveries",
    "g2p_partner_ingest.action_ingest_raw",
    "g2p_partner_api.action_audit_log",
    "g2p_dci_search.action_dci_transactions",
)


@tagged("post_install", "-at_install")
class TestListHeadersFit(HttpCase):
    browser_size = "1366,768"

    def test_column_headings_are_read_whole(self):
        for action in LISTS:
            with self.subTest(action=action):
                self.start_tour(f"/odoo/action-{action}", "g2p_list_headers_fit", login="admin")

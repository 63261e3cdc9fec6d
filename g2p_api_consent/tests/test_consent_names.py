from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestConsentNames(HttpCase):
    """Consents named by who gave them to whom, their data categories by what they are."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env, "consent_reader", password="consent_reader_pw", groups="g2p_partner_api.group_registry_viewer"
        )

    def test_consent_names(self):
        consent = self.env.ref("g2p_api_consent.demo_consent_individual_01")
        self.assertEqual(consent.display_name, "Consent: Moses Phiri → any partner")
        client = self.env["g2p.api.client"].create({"name": "SPMIS", "client_id": "spmis-names"})
        named = self.env["g2p.consent"].create(
            {
                "partner_id": consent.partner_id.id,
                "client_id": client.id,
                "purpose_id": consent.purpose_id.id,
                "scope_ids": [(6, 0, consent.scope_ids.ids)],
            }
        )
        self.assertEqual(named.display_name, "Consent: Moses Phiri → SPMIS")
        self.assertIn(named.id, [found for found, _name in self.env["g2p.consent"].name_search("SPMIS")])
        categories = consent.scope_ids.with_context(**consent._fields["scope_ids"].context)
        self.assertIn("Read individuals", categories.mapped("display_name"))

    def test_list_and_breadcrumb_in_the_browser(self):
        self.start_tour("/odoo/action-g2p_api_consent.action_consents", "g2p_consent_names", login="consent_reader")

    def test_consent_tab_of_the_registrant_form(self):
        consent = self.env.ref("g2p_api_consent.demo_consent_individual_01")
        self.assertFalse(consent.client_id)
        self.assertEqual(consent.recipient_name, "Any partner")
        self.assertIn("individual:write", consent.write_scope_ids.mapped("code"))
        self.assertNotIn("individual:write", consent.data_category_ids.mapped("code"))
        self.assertEqual(consent.data_category_ids | consent.write_scope_ids, consent.scope_ids)
        self.start_tour(
            f"/odoo/action-g2p_partner_api.action_individuals/{consent.partner_id.id}",
            "g2p_consent_tab",
            login="consent_reader",
        )

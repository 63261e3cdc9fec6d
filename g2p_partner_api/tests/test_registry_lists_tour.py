from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRegistryListsTour(HttpCase):
    """What a registry officer reads in the lists, checked in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            "list_viewer",
            password="list_viewer_pw",
            groups="base.group_user,g2p_partner_api.group_registry_viewer",
        )

    def test_group_list_shows_head_member_count_and_city(self):
        group = self.env.ref("g2p_partner_api.demo_group_01")
        self.assertEqual(group.member_count, 4)
        self.assertEqual(group.group_head_id, self.env.ref("g2p_partner_api.demo_individual_01"))
        self.start_tour("/odoo/action-g2p_partner_api.action_groups", "g2p_registry_group_list", login="list_viewer")

    def test_id_number_typed_in_the_search_finds_the_person(self):
        self.start_tour(
            "/odoo/action-g2p_partner_api.action_individuals", "g2p_registry_find_by_id_number", login="list_viewer"
        )

    def test_membership_breadcrumb_names_member_and_programme(self):
        membership = self.env.ref("g2p_partner_api.demo_pm_child_01")
        self.assertEqual(membership.display_name, "Peter Abubakar in Child Grant")
        self.start_tour(
            "/odoo/action-g2p_partner_api.action_program_memberships",
            "g2p_registry_membership_names",
            login="list_viewer",
        )

    def test_registrant_form_labels_and_words(self):
        person = self.env.ref("g2p_partner_api.demo_individual_01")
        self.assertEqual(len(person.reg_id_ids), 1)
        self.assertTrue(person.group_membership_ids)
        self.start_tour(
            f"/odoo/action-g2p_partner_api.action_individuals/{person.id}",
            "g2p_registrant_form_reads",
            login="list_viewer",
        )
        self.start_tour(
            "/odoo/action-g2p_partner_api.action_individuals", "g2p_registry_menu_words", login="list_viewer"
        )

    def test_registrant_opened_from_a_link_shows_the_registry_form(self):
        person = self.env.ref("g2p_partner_api.demo_individual_01")
        registry_form = self.env.ref("g2p_partner_api.view_registrant_form")
        self.assertEqual(person.get_formview_action()["views"], [(registry_form.id, "form")])
        contact = self.env["res.partner"].create({"name": "Not a registrant"})
        self.assertNotEqual(contact.get_formview_id(), registry_form.id)

    def test_chatter_says_who_registered_the_person(self):
        person = self.env["res.partner"].create({"is_registrant": True, "given_name": "Staff", "family_name": "Made"})
        self.assertEqual(person.message_ids[-1:].preview, "Registrant created")
        contact = self.env["res.partner"].create({"name": "Plain contact"})
        self.assertEqual(contact.message_ids[-1:].preview, "Contact created")

    def test_names_of_identifiers_and_memberships(self):
        head = self.env.ref("g2p_partner_api.demo_group_01_member_1")
        self.assertEqual(head.display_name, "Moses Phiri (Head) in Phiri household")
        reg_id = self.env.ref("g2p_partner_api.demo_individual_01").reg_id_ids[:1]
        self.assertEqual(reg_id.display_name, f"National ID: {reg_id.value}")
        ended = self.env.ref("g2p_partner_api.demo_group_01_member_1").copy({"end_date": "2024-06-01"})
        self.assertEqual(
            self.env.ref("g2p_partner_api.demo_group_01").member_count, 4, "an ended membership is not counted"
        )
        self.assertTrue(ended.is_ended)

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTemplateEditors(HttpCase):
    """Every form with a template or JSON editor opens in the browser with the editor shown."""

    def test_ingest_data_model_templates(self):
        model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        self.start_tour(
            f"/odoo/action-g2p_partner_ingest.action_data_models/{model.id}",
            "g2p_template_editor_ingest",
            login="admin",
        )

    def test_dci_register_template(self):
        register = self.env.ref("g2p_dci_search.register_individual")
        self.start_tour(
            f"/odoo/action-g2p_dci_search.action_dci_registers/{register.id}",
            "g2p_template_editor_dci_register",
            login="admin",
        )

    def test_dci_subscription_filter(self):
        client = self.env["g2p.api.client"].create({"name": "Editor check", "dci_sender_id": "editor.check"})
        subscription = self.env["g2p.dci.subscription"].create(
            {
                "client_id": client.id,
                "register_id": self.env.ref("g2p_dci_search.register_individual").id,
                "reg_event_type": "REGISTER",
                "event_code": "REGISTER",
                "filter_type": "expression",
                "filter_json": '{"birthdate": "2000-01-01"}',
            }
        )
        self.start_tour(
            f"/odoo/action-g2p_dci_search.action_dci_subscriptions/{subscription.id}",
            "g2p_template_editor_dci_subscription",
            login="admin",
        )

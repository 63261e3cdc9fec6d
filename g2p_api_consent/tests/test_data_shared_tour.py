from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDataSharedTour(HttpCase):
    """A registry viewer opens a registrant and reads, on the Data shared tab, which partner system
    received the person's data through which app, after a partner's read through the mounted REST app."""

    def test_viewer_reads_who_received_the_data(self):
        client = self.env["g2p.api.client"].create(
            {
                "name": "Tour payments agency",
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_individual_read").ids)],
            }
        )
        secret = client._generate_secret()
        person = self.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Toured", "family_name": "Person"}
        )
        self.env["g2p.consent"].create(
            {
                "partner_id": person.id,
                "client_id": client.id,
                "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_individual_read").ids)],
                "evidence_reference": "FORM-TOUR",
            }
        )
        token = self.url_open(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
        ).json()["access_token"]
        read = self.url_open(f"/api/v2/Individual/{person.uuid}", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(read.status_code, 200, read.text)
        self.assertEqual(person.disclosure_ids.client_id, client)
        new_test_user(
            self.env,
            "data_shared_viewer",
            password="data_shared_viewer_pw",
            groups="base.group_user,g2p_partner_api.group_registry_viewer",
        )
        self.start_tour(
            f"/odoo/action-g2p_partner_api.action_individuals/{person.id}",
            "g2p_registrant_data_shared",
            login="data_shared_viewer",
        )

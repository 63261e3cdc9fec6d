"""Onboarding a partner from the browser, as an administrator does it (Chromium tours).

Each tour reads what a dialog shows to a person and prints it on a console line the test
picks up, so the test proves the shown text itself works, not a value built server-side.
"""

import hashlib
import hmac
import logging

from odoo.tests import HttpCase, new_test_user, tagged

from ..services import outbound_delivery

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestOnboardingTours(HttpCase):
    def _tour_shows(self, marker, url, tour, login="admin"):
        """Run ``tour`` and return the text it read from the dialog (its ``marker`` console line)."""
        # the browser's console lines are logged on this logger (odoo.tests.common.ChromeBrowser) at
        # logging.INFO; the level is given as a number because Odoo names its RUNBOT level (25) "INFO" too
        with self.assertLogs(self._logger.getChild("browser"), level=logging.INFO) as logs:
            self.start_tour(url, tour, login=login)
        shown = [
            record.getMessage().split(marker + " ", 1)[1].strip()
            for record in logs.records
            if marker + " " in record.getMessage()
        ]
        self.assertEqual(len(shown), 1, f"the tour read one secret from the dialog ({marker})")
        return shown[0]

    def _oauth(self, path, client, secret, **data):
        return self.url_open(path, data={"client_id": client.client_id, "client_secret": secret, **data})

    def test_onboard_a_client_from_the_browser(self):
        """Two people onboard a partner: an API Manager creates the client and sees the first half of its activation
        secret, an administrator the second; the partner, with both, replaces it and reads the registry."""
        new_test_user(
            self.env,
            "tour_first_half",
            password="tour_first_half",
            groups="base.group_user,g2p_partner_api.group_api_manager",
        )
        first_half = self._tour_shows(
            "g2p-tour-client-secret-first",
            "/odoo/action-g2p_partner_api.action_api_clients",
            "g2p_api_client_onboarding",
            login="tour_first_half",
        )
        client = self.env["g2p.api.client"].search([("name", "=", "Onboarding tour partner")])
        self.assertEqual(client.scope_ids.mapped("code"), ["individual:read"])
        second_half = self._tour_shows(
            "g2p-tour-client-secret-second",
            f"/odoo/action-g2p_partner_api.action_api_clients/{client.id}",
            "g2p_api_client_second_half",
        )
        _logger.info("halves read from the dialogs: %d and %d characters", len(first_half), len(second_half))
        pair = f"{first_half}.{second_half}"
        token_path, grant = "/api/v2/oauth/token", {"grant_type": "client_credentials"}

        # the partner, as docs/security.md tells it: the pair gets no token (staff saw its halves), it replaces itself
        for secret, status, error in ((first_half, 401, "invalid_client"), (pair, 400, "unauthorized_client")):
            refused = self._oauth(token_path, client, secret, **grant)
            self.assertEqual((refused.status_code, refused.json()["error"]), (status, error), refused.text)
        replaced = self._oauth("/api/v2/oauth/client_secret", client, pair)
        self.assertEqual(replaced.status_code, 200, replaced.text)
        token = self._oauth(token_path, client, replaced.json()["client_secret"], **grant)
        self.assertEqual(token.status_code, 200, token.text)
        read = self.url_open("/api/v2/Individual", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        self.assertEqual(read.status_code, 200, read.text)

        self.start_tour(
            f"/odoo/action-g2p_partner_api.action_api_clients/{client.id}", "g2p_api_client_onboarded", login="admin"
        )
        self.env.invalidate_all()
        self.assertTrue(client.sudo().secret_hash.startswith("$pbkdf2-sha512$"))
        self.assertFalse(client.secret_shown_to_staff, "the partner replaced the secret the dialogs showed")
        notes = " ".join(client.message_ids.mapped("body"))
        self.assertIn("First half of its activation secret shown to tour_first_half", notes)
        admin = self.env.ref("base.user_admin").name
        self.assertIn(f"Second half of the activation secret generated and shown to {admin}", notes)
        self.assertIn("Client secret replaced by the partner", notes)
        for secret in (first_half, second_half, pair):
            self.assertNotIn(secret, notes)
            dead = self._oauth(token_path, client, secret, **grant)
            self.assertEqual((dead.status_code, dead.json()["error"]), (401, "invalid_client"), "staff's copy is dead")

    def test_signing_secret_dialog_shows_the_secret_the_server_signs_with(self):
        client = self.env["g2p.api.client"].create({"name": "Payments partner"})
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Payments",
                "client_id": client.id,
                "target_url": "https://payments.invalid/events",
                "event_type_ids": [
                    (6, 0, self.env["g2p.api.event.type"].search([("code", "=", "individual.updated")]).ids)
                ],
            }
        )
        secret = self._tour_shows(
            "g2p-tour-signing-secret",
            f"/odoo/action-g2p_partner_api.action_subscriptions/{subscription.id}",
            "g2p_subscription_signing_secret",
        )
        _logger.info("signing secret read from the dialog by the tour: %d characters", len(secret))
        body = b'{"specversion": "1.0", "type": "org.g2p.individual.updated"}'
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(outbound_delivery.signature_headers(subscription, body)["X-G2P-Signature"], expected)

    def test_api_manager_without_email_generates_a_signing_secret_in_the_browser(self):
        """Issue #28: an API Manager whose login is a username, without an email address."""
        manager = new_test_user(
            self.env,
            "tour_manager",
            password="tour_manager",
            groups="base.group_user,g2p_partner_api.group_api_manager",
        )
        manager.partner_id.email = False
        client = self.env["g2p.api.client"].create({"name": "Partner of a manager without email"})
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Events",
                "client_id": client.id,
                "target_url": "https://partner.invalid/events",
                "event_type_ids": [(6, 0, self.env["g2p.api.event.type"].search([], limit=1).ids)],
            }
        )
        secret = self._tour_shows(
            "g2p-tour-signing-secret",
            f"/odoo/action-g2p_partner_api.action_subscriptions/{subscription.id}",
            "g2p_subscription_signing_secret",
            login="tour_manager",
        )
        self.assertEqual(subscription.sudo().hmac_secret, secret)
        self.assertEqual(subscription.message_ids[:1].author_id, manager.partner_id)
        self.assertIn("Signing secret generated.", subscription.message_ids[:1].body)

    def test_give_the_approver_role_from_the_user_form(self):
        self.start_tour("/odoo/action-base.action_res_users", "g2p_user_registry_role", login="admin")
        user = self.env["res.users"].search([("login", "=", "tour.approver@example.com")])
        self.assertTrue(user.has_group("g2p_partner_api.group_registry_approver"))
        # the role brings what an approver had before (officer, viewer), not API management
        self.assertTrue(user.has_group("g2p_partner_api.group_registry_officer"))
        self.assertTrue(user.has_group("g2p_partner_api.group_registry_viewer"))
        self.assertFalse(user.has_group("g2p_partner_api.group_api_manager"))

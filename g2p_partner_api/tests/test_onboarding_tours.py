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

    def test_onboard_a_client_from_the_browser(self):
        # the tour, as the partner, is refused a token with the secret the dialog showed (unauthorized_client), replaces
        # it (POST /api/v2/oauth/client_secret) and reads the registry with a token of the secret that call answered
        secret = self._tour_shows(
            "g2p-tour-client-secret", "/odoo/action-g2p_partner_api.action_api_clients", "g2p_api_client_onboarding"
        )
        _logger.info("client secret read from the dialog by the tour: %d characters", len(secret))
        client = self.env["g2p.api.client"].search([("name", "=", "Onboarding tour partner")])
        self.assertEqual(client.scope_ids.mapped("code"), ["individual:read"])
        self.assertTrue(client.sudo().secret_hash.startswith("$pbkdf2-sha512$"))
        self.assertNotIn(secret, client.sudo().secret_hash)
        self.assertFalse(client.secret_shown_to_staff, "the partner replaced the secret the dialog showed")
        self.assertIn("Client secret replaced by the partner", " ".join(client.message_ids.mapped("body")))
        response = self.url_open(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
        )
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json()["error"], "invalid_client", "the copy staff saw is dead")

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

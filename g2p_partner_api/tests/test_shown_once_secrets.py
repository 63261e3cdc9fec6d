"""Secret buttons over JSON-RPC, the way the web client (or anyone logged in) calls them."""

from lxml import etree

from odoo.exceptions import AccessDenied, AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from ..models.g2p_api_client import SECRET_CRYPT_CONTEXT
from ..services.api_errors import SecretShownToStaff
from .common import activation_secret


@tagged("post_install", "-at_install")
class TestShownOnceSecrets(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env, "secret_viewer", password="secret_viewer_pw", groups="g2p_partner_api.group_registry_approver"
        )
        cls.manager = new_test_user(
            cls.env, "secret_manager", password="secret_manager_pw", groups="g2p_partner_api.group_api_manager"
        )
        cls.admin = new_test_user(cls.env, "secret_admin", password="secret_admin_pw", groups="base.group_system")
        cls.client = cls.env["g2p.api.client"].create({"name": "Partner"})
        cls.client_secret = cls.client._generate_secret()
        cls.client_hash = cls.client.sudo().secret_hash
        cls.subscription = cls.env["g2p.api.subscription"].create(
            {
                "name": "Events",
                "client_id": cls.client.id,
                "target_url": "https://partner.invalid/events",
                "event_type_ids": [(6, 0, cls.env["g2p.api.event.type"].search([], limit=1).ids)],
            }
        )
        cls.hmac_secret = cls.subscription._generate_hmac_secret()

    def _call_button(self, record, method):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {"model": record._name, "method": method, "args": [record.ids], "kwargs": {"context": {}}},
        )

    def assertShownToStaff(self, client, first_half):
        """``first_half`` is the first half of ``client``'s secret, marked as seen by staff: alone it authenticates
        nothing; with the second half another person generates, only its replacement."""
        self.assertTrue(client.secret_shown_to_staff)
        Client = self.env["g2p.api.client"]
        with self.assertRaises(AccessDenied):
            Client._authenticate(client.client_id, first_half, replacing_secret=True)
        pair = activation_secret(client, first_half)
        with self.assertRaises(SecretShownToStaff):
            Client._authenticate(client.client_id, pair)
        self.assertEqual(Client._authenticate(client.client_id, pair, replacing_secret=True), client)

    def _messages(self):
        return self.client.message_ids.ids

    def _client_state(self):
        """What replacing the client's secret changes: its hash, the revocation moment, the chatter."""
        self.env.invalidate_all()
        return self.client.sudo().secret_hash, self.client.tokens_valid_from, self._messages()

    def test_registry_staff_cannot_rotate_secrets(self):
        self.authenticate("secret_viewer", "secret_viewer_pw")
        messages = self._messages()
        for record, method in [
            (self.client, "action_generate_secret"),
            (self.subscription, "action_generate_hmac_secret"),
        ]:
            with self.assertRaises(JsonRpcException) as refused:
                self._call_button(record, method)
            self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")
        self.env.invalidate_all()
        self.assertEqual(self.client.sudo().secret_hash, self.client_hash)
        self.assertEqual(self.subscription.sudo().hmac_secret, self.hmac_secret)
        self.assertEqual(self._messages(), messages)

    def test_api_manager_gets_the_secret_once_in_a_dialog_action_only(self):
        # the first secret of a client, as at onboarding (replacing one is an administrator's: the test below)
        onboarded = self.env["g2p.api.client"].create({"name": "Onboarded partner"})
        self.authenticate("secret_manager", "secret_manager_pw")
        action = self._call_button(onboarded, "action_generate_secret")
        self.assertEqual(
            (action["type"], action["tag"], action["target"]),
            ("ir.actions.client", "g2p_partner_api.shown_once_secret", "new"),
        )
        self.assertEqual(action["params"]["reference"], onboarded.client_id)
        clear = action["params"]["secret"]
        self.env.invalidate_all()
        self.assertShownToStaff(onboarded, clear)
        self.assertIn(
            "the partner's first call replaces it (POST /api/v2/oauth/client_secret)", action["params"]["note"]
        )
        self.env.cr.execute("SELECT secret_hash FROM g2p_api_client WHERE id = %s", [onboarded.id])
        self.assertTrue(self.env.cr.fetchone()[0].startswith("$pbkdf2-sha512$"))
        # no wizard or other record holds the clear secret
        self.env.cr.execute("SELECT model FROM ir_model WHERE model LIKE '%%secret%%'")
        self.assertFalse(self.env.cr.fetchall())

        # a subscription's first signing secret is the API Manager's to hand over; replacing one is an administrator's:
        # whoever sees it signs messages to the partner as the registry, and a partner that made its subscription
        # through /Subscription holds its secret alone
        fresh = self.env["g2p.api.subscription"].create(
            {
                "name": "Events (second)",
                "client_id": self.client.id,
                "target_url": "https://partner.invalid/events",
                "event_type_ids": [(6, 0, self.subscription.event_type_ids.ids)],
            }
        )
        action = self._call_button(fresh, "action_generate_hmac_secret")
        self.assertEqual(
            (action["tag"], action["params"]["reference"]), ("g2p_partner_api.shown_once_secret", "Events (second)")
        )
        self.env.invalidate_all()
        self.assertEqual(fresh.sudo().hmac_secret, action["params"]["secret"])
        with self.assertRaises(JsonRpcException) as refused:
            self._call_button(self.subscription, "action_generate_hmac_secret")
        self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException):
            self._call_button(fresh, "action_generate_hmac_secret")
        self.env.invalidate_all()
        self.assertEqual(self.subscription.sudo().hmac_secret, self.hmac_secret, "the partner's secret kept")
        self.assertEqual(fresh.sudo().hmac_secret, action["params"]["secret"])
        self.authenticate("secret_admin", "secret_admin_pw")
        action = self._call_button(self.subscription, "action_generate_hmac_secret")
        self.env.invalidate_all()
        self.assertEqual(self.subscription.sudo().hmac_secret, action["params"]["secret"])
        self.assertNotEqual(action["params"]["secret"], self.hmac_secret)

    def test_only_an_administrator_replaces_a_client_secret(self):
        """Whoever sees a client secret gets tokens as the partner: the API Manager hands over the first one, the
        partner replaces it itself (POST /api/v2/oauth/client_secret); replacing it here is an administrator's."""
        before = self._client_state()
        self.assertFalse(before[1], "no token revoked yet")
        self.authenticate("secret_manager", "secret_manager_pw")
        with self.assertRaises(JsonRpcException) as refused:
            self._call_button(self.client, "action_generate_secret")
        self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")
        self.assertEqual(self._client_state(), before, "hash, tokens valid from and chatter unchanged")
        self.assertEqual(
            self.env["g2p.api.client"]._authenticate(self.client.client_id, self.client_secret), self.client
        )
        with self.assertRaisesRegex(
            AccessError,
            r"Only a system administrator may replace the client secret of Partner: whoever sees it can act as the "
            r"partner; the partner replaces its own secret with POST /api/v2/oauth/client_secret\.",
        ):
            self.client.with_user(self.manager).action_generate_secret()
        # the form offers the API Manager no Rotate secret, an administrator does
        for user, shown in ((self.manager, ["Generate secret"]), (self.admin, ["Generate secret", "Rotate secret"])):
            arch = etree.fromstring(self.env["g2p.api.client"].with_user(user).get_view(view_type="form")["arch"])
            self.assertEqual(arch.xpath("//button[@name='action_generate_secret']/@string"), shown, user.login)

        self.authenticate("secret_admin", "secret_admin_pw")
        action = self._call_button(self.client, "action_generate_secret")
        secret_hash, tokens_valid_from, messages = self._client_state()
        self.assertNotEqual(secret_hash, before[0])
        self.assertTrue(tokens_valid_from, "the tokens issued with the former secret are revoked")
        self.assertEqual(len(messages), len(before[2]) + 1)
        self.assertShownToStaff(self.client, action["params"]["secret"])
        self.assertFalse(SECRET_CRYPT_CONTEXT.verify(self.client_secret, secret_hash), "the former secret is dead")

    def test_nobody_clears_the_shown_to_staff_mark(self):
        """The mark is the server's: staff clearing it would make the secret they saw get tokens."""
        onboarded = self.env["g2p.api.client"].create({"name": "Marked partner"})
        onboarded.with_user(self.manager).action_generate_secret()
        count = self.env["g2p.api.client"].search_count([])
        for login in ("secret_manager", "secret_admin"):
            self.authenticate(login, f"{login}_pw")
            for method, args in (
                ("write", [[onboarded.id], {"secret_shown_to_staff": False}]),
                ("create", [{"name": "Unmarked", "secret_shown_to_staff": False, "first_credential_on": False}]),
                ("load", [["name", "secret_shown_to_staff"], [["Imported", "0"]]]),
            ):
                with self.subTest(login=login, method=method):
                    try:
                        result = self.make_jsonrpc_request(
                            f"/web/dataset/call_kw/g2p.api.client/{method}",
                            {"model": "g2p.api.client", "method": method, "args": args, "kwargs": {}},
                        )
                    except JsonRpcException as refused:
                        self.assertEqual(str(refused), "odoo.exceptions.AccessError")
                    else:
                        # an import answers its errors instead of raising them
                        self.assertFalse(result["ids"], result)
                        self.assertIn("Set by the server only", str(result["messages"]))
        self.env.invalidate_all()
        self.assertTrue(onboarded.secret_shown_to_staff)
        self.assertEqual(self.env["g2p.api.client"].search_count([]), count)

    def test_api_manager_cannot_rotate_the_registry_signing_key(self):
        key = self.env["g2p.api.signing.key"]._ensure_active_key("access_token")
        keys = self.env["g2p.api.signing.key"].sudo().search([])
        self.authenticate("secret_manager", "secret_manager_pw")
        with self.assertRaises(JsonRpcException) as refused:
            self._call_button(key, "action_rotate")
        self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")
        self.env.invalidate_all()
        self.assertEqual(
            self.env["g2p.api.signing.key"].sudo().search([]), keys, "no new key, the old ones still active"
        )
        self.assertFalse(key.retired_on)

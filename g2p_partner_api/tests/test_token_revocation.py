"""Access tokens do not outlive what should end them (issue #25), and any API Manager can generate
the first shown-once secrets, email address or not (issue #28); replacing a client's secret is a system
administrator's. Staff act over JSON-RPC, as the web client does; the partner calls the REST app through
Odoo's HTTP stack."""

from odoo.tests import HttpCase, tagged

from .common import JsonRpcAttackMixin, activation_secret


@tagged("post_install", "-at_install")
class TestTokensEndWithTheirClientsRights(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager = cls._user("revoke_manager", "base.group_user,g2p_partner_api.group_api_manager")
        # a username login and no email: what issue #28 is about
        manager.partner_id.email = False
        cls._user("revoke_admin", "base.group_user,base.group_system").partner_id.email = False
        Scope = cls.env["g2p.api.scope"]
        cls.scopes = Scope.search([("code", "in", ["individual:read", "individual:write", "program:read"])])
        cls.client = cls._new_client("Revocable partner")
        cls.secret = cls.client._generate_secret()

    @classmethod
    def _new_client(cls, name):
        vals = {"name": name, "scope_ids": [(6, 0, cls.scopes.ids)]}
        if "legal_basis_enabled" in cls.env["g2p.api.client"]._fields:
            vals.update(legal_basis_enabled=True, legal_basis="Test fixture: registry law, art. 1")
        return cls.env["g2p.api.client"].create(vals)

    # --- the partner's side ---------------------------------------------------------------
    def _token(self, secret=None, client=None):
        response = self.url_open(
            "/api/v2/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": (client or self.client).client_id,
                "client_secret": secret or self.secret,
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["access_token"]

    def _partners_secret(self, shown, client=None):
        """What the partner does first with the first half of a secret staff saw (``shown``) and the second half
        another person generates: replace it; returns the secret only it sees."""
        client = client or self.client
        response = self.url_open(
            "/api/v2/oauth/client_secret",
            data={"client_id": client.client_id, "client_secret": activation_secret(client, shown)},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["client_secret"]

    def _get(self, token, path="/api/v2/Individual"):
        return self.url_open(path, headers={"Authorization": f"Bearer {token}"}).status_code

    def _registrants(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    def assertTokenRefused(self, token):
        """The token neither reads nor writes, and the register is unchanged."""
        before = self._registrants()
        response = self.opener.post(
            self.base_url() + "/api/v2/Individual",
            json={"given_name": "Revoked", "family_name": "Stillwrites"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=12,
        )
        self.assertEqual(response.status_code, 401, response.text)
        self.assertIn("revoked", response.json()["detail"])
        self.assertEqual(self._get(token), 401)
        self.env.invalidate_all()
        self.assertEqual(self._registrants(), before)
        self.assertFalse(self.env["res.partner"].search([("family_name", "=", "Stillwrites")]))

    # --- the events that end tokens --------------------------------------------------------
    def test_secret_rotation_refuses_earlier_tokens(self):
        token = self._token()
        self.assertEqual(self._get(token), 200)
        # replacing a secret is an administrator's: the API Manager's attempt ends nothing
        self._as("revoke_manager")
        action, error = self.call_button("g2p.api.client", "action_generate_secret", [self.client.id])
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertFalse(self.client.tokens_valid_from)
        self.assertEqual(self._get(token), 200)
        self.assertEqual(self._get(self._token()), 200, "the partner's secret still works")
        self._as("revoke_admin")
        action, error = self.call_button("g2p.api.client", "action_generate_secret", [self.client.id])
        self.assertIsNone(error)
        self.assertTokenRefused(token)
        # the administrator saw the new secret: it gets tokens once the partner replaced it
        fresh = self._token(self._partners_secret(action["params"]["secret"]))
        self.assertEqual(self._get(fresh), 200)

    def test_deactivation_then_reactivation_keeps_earlier_tokens_refused(self):
        token = self._token()
        self.assertEqual(self._get(token), 200)
        self._as("revoke_manager")
        for method in ("action_archive", "action_unarchive"):
            result, error = self.call_kw("g2p.api.client", method, [[self.client.id]])
            self.assertIsNone(error, method)
        self.env.invalidate_all()
        self.assertTrue(self.client.active)
        self.assertTokenRefused(token)
        self.assertEqual(self._get(self._token()), 200, "a token issued after the reactivation works")

    def test_scope_removal_refuses_earlier_tokens(self):
        token = self._token()
        self.assertEqual(self._get(token, "/api/v2/Program"), 200)
        program_read = self.scopes.filtered(lambda s: s.code == "program:read")
        self._as("revoke_manager")
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"scope_ids": [(3, program_read.id)]}]
        )
        self.assertIsNone(error)
        self.assertTokenRefused(token)
        fresh = self._token()
        self.assertEqual((self._get(fresh), self._get(fresh, "/api/v2/Program")), (200, 403))

    def test_adding_a_scope_or_renaming_the_client_revokes_nothing(self):
        token = self._token()
        self._as("revoke_manager")
        extra = self.env["g2p.api.scope"].search([("code", "=", "group:read")])
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"name": "Renamed partner", "scope_ids": [(4, extra.id)]}]
        )
        self.assertIsNone(error)
        self.assertEqual(self._get(token), 200)

    def test_nobody_moves_the_revocation_back(self):
        token = self._token()
        self._as("revoke_admin")
        result, error = self.call_button("g2p.api.client", "action_generate_secret", [self.client.id])
        self.assertIsNone(error)
        self.env.invalidate_all()
        valid_from = self.client.tokens_valid_from
        self.assertTrue(valid_from)
        for login in ("revoke_manager", "revoke_admin"):
            self._as(login)
            for method, args in (
                ("write", [[self.client.id], {"tokens_valid_from": "2000-01-01 00:00:00"}]),
                ("create", [{"name": "Pre-revoked", "tokens_valid_from": "2000-01-01 00:00:00"}]),
            ):
                result, error = self.call_kw("g2p.api.client", method, args)
                self.assertEqual(error, "odoo.exceptions.AccessError", f"{login}: {method}")
        self.env.invalidate_all()
        self.assertEqual(self.client.tokens_valid_from, valid_from)
        self.assertFalse(self.env["g2p.api.client"].search([("name", "=", "Pre-revoked")]))
        self.assertTokenRefused(token)

    # --- issue #28 -------------------------------------------------------------------------
    def test_api_manager_without_email_generates_every_shown_once_secret(self):
        # the first secrets, as at onboarding: replacing either is an administrator's
        client = self._new_client("Onboarded without email")
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Events without email",
                "client_id": client.id,
                "target_url": "https://partner.invalid/events",
                "event_type_ids": [(6, 0, self.env["g2p.api.event.type"].search([], limit=1).ids)],
            }
        )
        self._as("revoke_manager")
        manager = self.env["res.users"].search([("login", "=", "revoke_manager")])
        self.assertFalse(manager.email)
        actions = {}
        for record, method, note in (
            (client, "action_generate_secret", "Client secret generated."),
            (subscription, "action_generate_hmac_secret", "Signing secret generated."),
        ):
            noted_before = record.message_ids
            action, error = self.call_button(record._name, method, [record.id])
            self.assertIsNone(error, method)
            actions[method] = action["params"]["secret"]
            self.env.invalidate_all()
            noted = record.message_ids - noted_before
            self.assertEqual(len(noted), 1, method)
            self.assertIn(note, noted.body)
            self.assertEqual(noted.author_id, manager.partner_id, method)
        self.assertEqual(subscription.sudo().hmac_secret, actions["action_generate_hmac_secret"])
        partners = self._partners_secret(actions["action_generate_secret"], client)
        self.assertEqual(self._get(self._token(partners, client)), 200)

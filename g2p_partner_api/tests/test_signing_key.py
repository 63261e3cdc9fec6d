"""Key custody: only system administrators rotate; rotation keeps the retiring key for a grace period (issue #15)."""

from odoo.tests import HttpCase, tagged

from ..services import jwt_service
from .common import G2PApiCase, JsonRpcAttackMixin


@tagged("post_install", "-at_install")
class TestKeyRotationOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Key = cls.env["g2p.api.signing.key"]
        cls.key = cls.Key._ensure_active_key()
        cls._user("key_viewer", "base.group_user,g2p_partner_api.group_registry_viewer")
        cls._user("key_officer", "base.group_user,g2p_partner_api.group_registry_approver")
        cls._user("key_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls._user("key_admin", "base.group_user,base.group_system")

    def _keys(self):
        return self.Key.with_context(active_test=False).search([]).read(["kid", "active", "retired_on"])

    def test_only_system_administrators_rotate(self):
        before = self._keys()
        for login in ("key_viewer", "key_officer", "key_api_manager"):
            self._as(login)
            result, error = self.call_button("g2p.api.signing.key", "action_rotate", [self.key.id])
            self.assertEqual(error, "odoo.exceptions.AccessError", login)
            self.assertEqual(self._keys(), before, f"{login}: the registry key is unchanged")
        self._as("key_admin")
        result, error = self.call_button("g2p.api.signing.key", "action_rotate", [self.key.id])
        self.assertIsNone(error)
        current = self.Key._ensure_active_key()
        self.assertNotEqual(current, self.key)
        self.assertTrue(self.key.retired_on)
        self.assertIn("rotated by", current.message_ids[:1].body)
        audit = self.env["g2p.api.audit.log"].search([("action", "=", "rotate signing key")])
        self.assertEqual((audit.actor, audit.reference_ids, audit.outcome), ("key_admin", self.key.kid, "success"))


@tagged("post_install", "-at_install")
class TestKeyRotationGrace(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Token holder", scopes=["individual:read"])
        cls.Key = cls.env["g2p.api.signing.key"]

    def _jwks_kids(self):
        with self._api() as api:
            response = api.get("/api/v2/.well-known/jwks.json")
        self.assertEqual(response.status_code, 200, response.text)
        return [key["kid"] for key in response.json()["keys"]]

    def _read_with(self, token):
        with self._api() as api:
            return api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {token}"}).status_code

    def test_retiring_key_published_and_accepted_during_grace_only(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_api.signing_key_grace_hours", "2")
        old = self.Key._ensure_active_key()
        token = self._token(self.client.client_id, self.secret)
        new = self.Key.action_rotate()
        self.assertEqual(self._jwks_kids(), [new.kid, old.kid])
        self.assertEqual(self._read_with(token), 200)
        self.assertEqual(jwt_service.unverified_kid(self.Key._sign({"x": 1})), new.kid, "signs with the new key")
        self.assertEqual(old.verifies_until, old.retired_on + self.Key._grace())
        old.retired_on = old.retired_on - self.Key._grace()  # the grace period is over
        self.assertEqual(self._jwks_kids(), [new.kid])
        self.assertEqual(self._read_with(token), 401)

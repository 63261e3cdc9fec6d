"""Key custody: only system administrators rotate; rotation keeps the retiring key for a grace period
(issue #15); one key per purpose, each with its own rotation (issue #25)."""

import importlib.util

import jwt

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_path

from ..services import jwt_service
from .common import G2PApiCase, JsonRpcAttackMixin


@tagged("post_install", "-at_install")
class TestKeyRotationOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Key = cls.env["g2p.api.signing.key"]
        cls.key = cls.Key._ensure_active_key("access_token")
        cls.message_key = cls.Key._ensure_active_key("message")
        cls._user("key_viewer", "base.group_user,g2p_partner_api.group_registry_viewer")
        cls._user("key_officer", "base.group_user,g2p_partner_api.group_registry_approver")
        cls._user("key_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        admin = cls._user("key_admin", "base.group_user,base.group_system")
        admin.partner_id.email = False  # the rotation note needs no sender address

    def _keys(self):
        return self.Key.with_context(active_test=False).search([]).read(["kid", "purpose", "active", "retired_on"])

    def test_only_system_administrators_rotate(self):
        before = self._keys()
        for login in ("key_viewer", "key_officer", "key_api_manager"):
            self._as(login)
            for key in (self.key, self.message_key):
                result, error = self.call_button("g2p.api.signing.key", "action_rotate", [key.id])
                self.assertEqual(error, "odoo.exceptions.AccessError", login)
            self.assertEqual(self._keys(), before, f"{login}: the registry keys are unchanged")
        self._as("key_admin")
        result, error = self.call_button("g2p.api.signing.key", "action_rotate", [self.key.id])
        self.assertIsNone(error)
        current = self.Key._ensure_active_key("access_token")
        self.assertNotEqual(current, self.key)
        self.assertTrue(self.key.retired_on)
        self.assertIn("rotated by", current.message_ids[:1].body)
        audit = self.env["g2p.api.audit.log"].search([("action", "=", "rotate signing key")])
        self.assertEqual((audit.actor, audit.reference_ids, audit.outcome), ("key_admin", self.key.kid, "success"))
        self.assertFalse(self.message_key.retired_on, "rotating the token key leaves the message key alone")
        self.assertEqual(self.Key._ensure_active_key("message"), self.message_key)

    def test_rotating_the_message_key_over_json_rpc_leaves_the_token_key_alone(self):
        self._as("key_admin")
        result, error = self.call_button("g2p.api.signing.key", "action_rotate", [self.message_key.id])
        self.assertIsNone(error)
        new = self.Key._ensure_active_key("message")
        self.assertNotEqual(new, self.message_key)
        self.assertTrue(new.kid.startswith("msg-"))
        self.assertTrue(self.message_key.retired_on)
        self.assertFalse(self.key.retired_on)
        self.assertEqual(self.Key._ensure_active_key("access_token"), self.key)

    def test_nobody_turns_a_message_key_into_a_token_key(self):
        before = self._keys()
        for login in ("key_api_manager", "key_admin"):
            self._as(login)
            for vals in ({"purpose": "access_token"}, {"kid": self.key.kid + "x"}):
                result, error = self.call_kw("g2p.api.signing.key", "write", [[self.message_key.id], vals])
                self.assertIn(error, ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"), (login, vals))
        self.assertEqual(self._keys(), before)
        self.assertEqual(self.message_key.purpose, "message")


@tagged("post_install", "-at_install")
class TestKeysOfAnEarlierVersion(G2PApiCase):
    def test_upgrade_keeps_keys_for_tokens_and_makes_a_message_key_on_first_use(self):
        Key = self.env["g2p.api.signing.key"]
        token_key = Key._ensure_active_key("access_token")
        client, secret = self._create_client("Upgraded partner", scopes=["individual:read"])
        token = self._token(client.client_id, secret)
        # the database as the previous version left it: keys without a purpose, no message key
        cr = self.env.cr
        cr.execute("DELETE FROM g2p_api_signing_key WHERE purpose = 'message'")
        cr.execute("ALTER TABLE g2p_api_signing_key ALTER COLUMN purpose DROP NOT NULL")
        cr.execute("UPDATE g2p_api_signing_key SET purpose = NULL")
        path = file_path("g2p_partner_api/migrations/18.0.1.2.0/pre-migrate.py")
        spec = importlib.util.spec_from_file_location("g2p_keys_pre_migrate", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertEqual(token_key.purpose, "access_token")
        with self._api() as api:
            response = api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 200, "tokens issued before the upgrade still work")
        signature = Key._sign_message({"first": "message"})
        message_key = Key._ensure_active_key("message")
        self.assertEqual(jwt_service.unverified_kid(signature), message_key.kid)
        self.assertNotEqual(message_key, token_key)


@tagged("post_install", "-at_install")
class TestKeyRotationGrace(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Token holder", scopes=["individual:read"])
        cls.Key = cls.env["g2p.api.signing.key"]

    def _jwks(self):
        with self._api() as api:
            response = api.get("/api/v2/.well-known/jwks.json")
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["keys"]

    def _jwks_kids(self):
        return [key["kid"] for key in self._jwks()]

    def _read_with(self, token):
        with self._api() as api:
            return api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {token}"}).status_code

    def test_retiring_key_published_and_accepted_during_grace_only(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_api.signing_key_grace_hours", "2")
        old = self.Key._ensure_active_key("access_token")
        message_key = self.Key._ensure_active_key("message")
        token = self._token(self.client.client_id, self.secret)
        new = old.action_rotate()
        self.assertEqual(self._jwks_kids(), [new.kid, old.kid, message_key.kid])
        self.assertEqual(self._read_with(token), 200)
        self.assertEqual(jwt_service.unverified_kid(self.Key._sign_access_token({"x": 1})), new.kid)
        self.assertEqual(jwt_service.unverified_kid(self.Key._sign_message({"x": 1})), message_key.kid)
        self.assertEqual(old.verifies_until, old.retired_on + self.Key._grace())
        old.retired_on = old.retired_on - self.Key._grace()  # the grace period is over
        self.assertEqual(self._jwks_kids(), [new.kid, message_key.kid])
        self.assertEqual(self._read_with(token), 401)

    def test_rotating_the_message_key_does_not_touch_tokens(self):
        token_key = self.Key._ensure_active_key("access_token")
        old = self.Key._ensure_active_key("message")
        token = self._token(self.client.client_id, self.secret)
        signed_before = self.Key._sign_message({"hello": "partner"})
        new = old.action_rotate()
        self.assertEqual((new.purpose, token_key.retired_on), ("message", False))
        self.assertEqual(self._jwks_kids(), [token_key.kid, new.kid, old.kid])
        self.assertEqual(jwt_service.unverified_kid(self.Key._sign_message({"x": 1})), new.kid)
        self.assertEqual(self._read_with(token), 200)
        # a message signed before the rotation still verifies with the JWKS during the grace period
        published = {key["kid"]: key for key in self._jwks()}
        verifying = jwt.PyJWK(published[jwt_service.unverified_kid(signed_before)]).key
        self.assertEqual(jwt.decode(signed_before, verifying, algorithms=["ES256"]), {"hello": "partner"})
        old.retired_on = old.retired_on - self.Key._grace()
        self.assertEqual(self._jwks_kids(), [token_key.kid, new.kid])
        self.assertEqual(self._read_with(token), 200, "the end of the message key's grace ends no token")

    def test_rotating_the_token_key_does_not_touch_messages(self):
        message_key = self.Key._ensure_active_key("message")
        old = self.Key._ensure_active_key("access_token")
        new = old.action_rotate()
        self.assertEqual(new.purpose, "access_token")
        self.assertFalse(message_key.retired_on)
        self.assertEqual(jwt_service.unverified_kid(self.Key._sign_message({"x": 1})), message_key.kid)
        jwks = {key["kid"]: key for key in self._jwks()}
        self.assertEqual(set(jwks), {new.kid, old.kid, message_key.kid})
        self.assertTrue(all(key["use"] == "sig" and key["alg"] == "ES256" for key in jwks.values()))


@tagged("post_install", "-at_install")
class TestJwsSegments(G2PApiCase):
    """jwt_service verifies partners' signatures with pyjwt, its base64url segment check replaced by a
    compiled pattern: every segment is accepted or refused exactly as pyjwt's own check does."""

    def test_segments_as_pyjwt_checks_them(self):
        segments = [b"", b"a", b"ab", b"abc", b"abcd", b"ab==", b"abc=", b"a===", b"ab=", b"ab!!", b"abcd===="]
        segments += [b"YQ", b"YR", b"YQ==", b"YQ=", b"Y Q", b"YQ\n", b"ab+/", b"\xff\xfe", b"=", b"eyJhIjoxfQ"]

        def outcome(decode, segment):
            try:
                return decode(segment, "payload")
            except jwt.DecodeError as exc:
                return str(exc)

        for segment in segments:
            self.assertEqual(
                outcome(jwt_service._JWS._decode_base64url_segment, segment),
                outcome(jwt.api_jws.PyJWS._decode_base64url_segment, segment),
                segment,
            )

    def test_kid_read_from_the_header_only(self):
        token = jwt.encode({"x": "y" * 1000}, "s" * 32, algorithm="HS256", headers={"kid": "k-1"})
        self.assertEqual(jwt_service.unverified_kid(token), "k-1")
        header, payload, crypto = token.split(".")
        for not_a_jws in (header, f"{header}.{payload}", f"{token}.{crypto}", None, 42, "a.b.c"):
            self.assertIsNone(jwt_service.unverified_kid(not_a_jws), not_a_jws)

"""Partners that publish their keys as a JWK Set (the client's jwks_uri) rotate them without anyone editing
the client: a local HTTP server plays the partner's key set, and the tests rotate it."""

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import socket
import threading
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_dci_search.tests.common import DciCase, private_key, spdci_signature
from odoo.addons.g2p_partner_api.models.g2p_api_client_jwk import KEY_CHANGED, KEY_SET_FETCHED
from odoo.addons.g2p_partner_api.services import outbound_delivery, partner_jwks, url_guard
from odoo.addons.g2p_partner_api.services.partner_jwks import MAX_SET_BYTES
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase, JsonRpcAttackMixin
from odoo.addons.g2p_partner_api.tests.http_receiver import Receiver
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase

KEY_SET_PATH = "/.well-known/jwks.json"


def jwk_of(private, kid):
    algorithm = "EdDSA" if isinstance(private, ed25519.Ed25519PrivateKey) else "ES256"
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(private.public_key()))
    return dict(jwk, kid=kid, use="sig", alg=algorithm)


def fingerprint(private):
    return partner_jwks.parse_key_set(json.dumps({"keys": [jwk_of(private, "x")]}))["x"].fingerprint


class KeySetServer:
    """The partner's key set, served over HTTP on this machine (allow-listed as an administrator would)."""

    @classmethod
    def _serve_key_set(cls):
        cls.key_server = Receiver().__enter__()
        cls.addClassCleanup(cls.key_server.__exit__, None, None, None)
        cls._allow_outbound_hosts(cls.key_server.host_port)
        cls.jwks_url = cls.key_server.url + KEY_SET_PATH

    def setUp(self):
        super().setUp()
        self.key_server.requests.clear()  # each test counts its own fetches

    def publish(self, keys, cache_control="max-age=300"):
        """Serve the set of ``keys`` ({kid: private key}) from now on."""
        body = {"keys": [jwk_of(key, kid) for kid, key in keys.items()]}
        self.key_server.default = (200, body, {"Cache-Control": cache_control} if cache_control else {}, 0)

    def fetches(self):
        return sum(1 for request in self.key_server.requests if request["path"] == KEY_SET_PATH)

    def a_minute_later(self, expired=False):
        """The clock a minute on: the last fetch is over a minute old (``expired``: the cached set too)."""
        self.env.cr.execute(
            """UPDATE g2p_api_client SET jwks_refreshed_at = jwks_refreshed_at - interval '61 seconds',
                      jwks_expires_at = CASE WHEN %s THEN now() at time zone 'utc' - interval '1 second'
                                             ELSE jwks_expires_at END
               WHERE id = %s""",
            (expired, self.client.id),
        )
        self.client.invalidate_recordset()

    def key_rows(self):
        return sorted((row.kid, row.fingerprint, bool(row.removed_at)) for row in self.client.sudo().jwk_ids)


@tagged("post_install", "-at_install")
class TestIngestKeySet(KeySetServer, IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._serve_key_set()
        cls.key_a, cls.key_b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        cls.client.write({"public_key": False, "jwks_uri": cls.jwks_url})
        cls.next_id = 91000000

    def signed(self, key, kid):
        """An ingest call signed with ``key``, its JWS header naming ``kid`` (None: no kid)."""
        type(self).next_id += 1
        message = {"person": self.person(nid=str(self.next_id))}
        body = self.body(message, sign=False)
        claims = dict(message, jti=body["header"]["message_id"], iat=int(time.time()))
        body["signature"] = jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid} if kid else None)
        return body

    def assertAccepted(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        header = response.json()["response_header"]
        self.assertEqual(header["response_status"], "SUCCESS", header)

    def assertRefused(self, response, reason):
        """Refused as any bad signature is, the reason named; nothing received, no key row changed."""
        self.assertEqual(response.status_code, 200, response.text)
        header = response.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "REQUEST_VALIDATION_ERROR"))
        self.assertIn(reason, response.text)

    def test_rotation_through_the_key_set(self):
        self.publish({"a": self.key_a})
        self.assertAccepted(self.post(self.signed(self.key_a, "a")))
        self.assertEqual(self.fetches(), 1, "the first signature fetches the set")
        self.assertAccepted(self.post(self.signed(self.key_a, "a")))
        self.assertEqual(self.fetches(), 1, "max-age=300: not fetched again while fresh")

        # the partner rotates: its set now has B only
        self.publish({"b": self.key_b})
        self.a_minute_later()
        self.assertAccepted(self.post(self.signed(self.key_b, "b")))
        self.assertEqual(self.fetches(), 2, "an unknown kid fetches the set once")

        received, rows = self.received_count(), self.key_rows()
        self.assertRefused(self.post(self.signed(self.key_a, "a")), "no key kid='a'")
        self.assertRefused(self.post(self.signed(self.key_b, "c")), "no key kid='c'")
        self.assertEqual(self.fetches(), 2, "fetched less than a minute ago: an unknown kid does not fetch again")
        self.assertEqual((self.received_count(), self.key_rows()), (received, rows), "refused: nothing changed")

        # what an API Manager reads on the client: the keys, each fetch and each change
        self.assertEqual(self.key_rows(), [("a", fingerprint(self.key_a), True), ("b", fingerprint(self.key_b), False)])
        changes = self._audit_rows(client_id=self.client.id, event_type=KEY_CHANGED)
        self.assertEqual(
            sorted((row.action, row.old_value or row.new_value) for row in changes),
            [
                ("key added", f"kid=a (SHA-256 {fingerprint(self.key_a)})"),
                ("key added", f"kid=b (SHA-256 {fingerprint(self.key_b)})"),
                ("key removed", f"kid=a (SHA-256 {fingerprint(self.key_a)})"),
            ],
        )
        fetches = self._audit_rows(client_id=self.client.id, event_type=KEY_SET_FETCHED)
        self.assertEqual(
            [(row.action, row.status_code, row.outcome) for row in fetches],
            [(f"fetch {self.jwks_url}", 200, "success")] * 2,
        )
        notes = self.client.message_ids.mapped("body")
        self.assertTrue(
            any(
                f"Key kid=a (SHA-256 {fingerprint(self.key_a)}) removed by fetch of {self.jwks_url}" in str(note)
                for note in notes
            ),
            notes,
        )

    def test_alg_none_and_hs256_keyed_with_the_set_key_are_refused(self):
        self.publish({"a": self.key_a})
        pem = partner_jwks.parse_key_set(json.dumps({"keys": [jwk_of(self.key_a, "a")]}))["a"].pem
        unsigned, confused = self.signed(self.key_a, "a"), self.signed(self.key_a, "a")
        claims = jwt.decode(unsigned["signature"], options={"verify_signature": False})
        unsigned["signature"] = jwt.encode(claims, None, algorithm="none", headers={"kid": "a"})
        # the classic RS/HS confusion: HMAC with the public key (as the set publishes it) for secret
        signing_input = b".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
            for part in ({"alg": "HS256", "kid": "a", "typ": "JWT"}, claims)
        )
        mac = hmac.new(pem.encode(), signing_input, hashlib.sha256).digest()
        confused["signature"] = (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
        received = self.received_count()
        for body in (unsigned, confused):
            self.assertRefused(self.post(body), "Signature verification failed")
        self.assertEqual(self.received_count(), received, "refused: nothing received")

    def test_the_cached_set_is_used_until_it_expires(self):
        self.publish({"a": self.key_a}, cache_control="max-age=120")
        self.assertAccepted(self.post(self.signed(self.key_a, "a")))
        expires = self.client.jwks_expires_at - self.client.jwks_refreshed_at
        self.assertEqual(expires.total_seconds(), 120, "the set is kept as long as its Cache-Control says")
        self.a_minute_later()
        self.assertAccepted(self.post(self.signed(self.key_a, "a")))
        self.assertEqual(self.fetches(), 1, "still fresh: not fetched")
        self.a_minute_later(expired=True)
        self.publish({"b": self.key_b})
        self.assertRefused(self.post(self.signed(self.key_a, "a")), "no key kid='a'")
        self.assertEqual(self.fetches(), 2, "expired: fetched again, and the key it no longer has stops verifying")

    def test_a_signature_without_kid(self):
        self.publish({"a": self.key_a})
        self.assertAccepted(self.post(self.signed(self.key_a, None)))
        self.publish({"a": self.key_a, "b": self.key_b})
        self.a_minute_later(expired=True)
        self.assertRefused(self.post(self.signed(self.key_b, None)), "kid required")
        self.assertAccepted(self.post(self.signed(self.key_b, "b")))

    def test_a_key_set_and_a_public_key_exclude_each_other(self):
        with self.assertRaisesRegex(ValidationError, "not both"):
            self.client.write({"public_key": json.dumps(jwk_of(self.key_a, "a"))})

    def test_the_url_guard_applies_to_the_key_set(self):
        self.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, "")
        with self.assertRaisesRegex(ValidationError, "non-public address"):
            self.client.write({"jwks_uri": self.jwks_url + "?v=2"})
        # allowed when saved, no longer when fetched: refused before any connection, and recorded
        self.publish({"a": self.key_a})
        self.client.action_refresh_jwks()
        self.assertEqual(self.fetches(), 0, "the key server was never reached")
        self.assertFalse(self.client.jwk_ids)
        [failure] = self._audit_rows(client_id=self.client.id, event_type=KEY_SET_FETCHED)
        self.assertEqual(failure.outcome, "failure")
        self.assertIn("non-public address", failure.new_value)
        self.assertIn("non-public address", self.client.message_ids[:1].body)

    def test_cache_lifetime_from_the_headers(self):
        cases = [
            ({"Cache-Control": "public, max-age=120", "Age": "20"}, 100),
            ({"Cache-Control": "no-store"}, 0),
            ({"Cache-Control": "max-age=999999"}, partner_jwks.LONGEST_MAX_AGE),
            ({"Expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, 0),
            ({"Expires": "not a date"}, 0),
            ({}, partner_jwks.DEFAULT_MAX_AGE),
        ]
        for headers, seconds in cases:
            self.assertEqual(partner_jwks.cache_lifetime(headers), seconds, headers)

    def test_only_signature_keys_of_the_allowed_types(self):
        hmac = {"kty": "oct", "k": "c2VjcmV0", "kid": "h", "alg": "HS256"}
        encryption = dict(jwk_of(self.key_a, "e"), use="enc")
        wrong_alg = dict(jwk_of(self.key_b, "w"), alg="RS256")
        private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key_b)) | {"kid": "p"}
        keys = partner_jwks.parse_key_set(json.dumps({"keys": [hmac, encryption, wrong_alg, private]}))
        self.assertEqual(list(keys), ["p"], "only the public part of the EC signature key is kept")
        self.assertEqual(keys["p"].fingerprint, fingerprint(self.key_b))
        with self.assertRaisesRegex(ValueError, "no usable signature key"):
            partner_jwks.parse_key_set(json.dumps({"keys": [hmac]}))
        with self.assertRaisesRegex(ValueError, "two keys"):
            partner_jwks.parse_key_set(json.dumps({"keys": [jwk_of(self.key_a, "a"), jwk_of(self.key_b, "a")]}))


@tagged("post_install", "-at_install")
class TestDciKeySet(KeySetServer, DciCase):
    """The same rotation for a DCI sender, in both signature forms (EdDSA JWS and the spec's Signature string)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._serve_key_set()
        cls.ed_a, cls.ed_b = private_key("ed25519"), private_key("ed25519")
        cls.client.write({"public_key": False, "jwks_uri": cls.jwks_url})

    def envelope_signed(self, key, kid, form):
        envelope = self.envelope([self.item("expression", {"family_name": "Rotated"})], key=key, algorithm="EdDSA")
        if form == "jws":
            signed = {"header": envelope["header"], "message": envelope["message"]}
            envelope["signature"] = jwt.encode(signed, key, algorithm="EdDSA", headers={"kid": kid})
        else:
            envelope["signature"] = spdci_signature(envelope, key, key_id=kid)
        return envelope

    def status(self, envelope):
        response = self.search(envelope, validate=False)
        if response.status_code == 403:
            return "refused", response.json()["errors"][0]["code"]
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["header"]["status"], None

    def test_rotation_in_both_signature_forms(self):
        self.publish({"a": self.ed_a})
        for form in ("jws", "string"):
            self.assertEqual(self.status(self.envelope_signed(self.ed_a, "a", form)), ("succ", None), form)
        self.assertEqual(self.fetches(), 1)
        self.publish({"b": self.ed_b})
        self.a_minute_later()
        self.assertEqual(self.status(self.envelope_signed(self.ed_b, "b", "string")), ("succ", None))
        self.assertEqual(self.status(self.envelope_signed(self.ed_b, "b", "jws")), ("succ", None))
        self.assertEqual(self.fetches(), 2, "the unknown kid b fetched the set once")
        Transaction = self.env["g2p.dci.transaction"]
        recorded = Transaction.search_count([("client_id", "=", self.client.id)])
        for form in ("jws", "string"):
            envelope = self.envelope_signed(self.ed_a, "a", form)
            self.assertEqual(self.status(envelope), ("refused", "err.signature.invalid"), f"{form}: A was removed")
            response = self.search(envelope, validate=False)
            self.assertIn("no key kid='a'", response.text)
        self.assertEqual(Transaction.search_count([("client_id", "=", self.client.id)]), recorded)
        self.assertEqual(self.fetches(), 2)
        self.assertEqual(self.key_rows(), [("a", fingerprint(self.ed_a), True), ("b", fingerprint(self.ed_b), False)])


@tagged("post_install", "-at_install")
class TestKeySetCustody(KeySetServer, JsonRpcAttackMixin, HttpCase):
    """Where a client's keys come from is key custody: an API Manager's field and button, nobody else's."""

    @classmethod
    def _allow_outbound_hosts(cls, *entries):
        cls.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, ",".join(entries))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._serve_key_set()
        cls._user("jwks_officer", "g2p_partner_api.group_registry_officer")
        cls._user("jwks_viewer", "g2p_partner_api.group_registry_viewer")
        cls._user("jwks_manager", "base.group_user,g2p_partner_api.group_api_manager").partner_id.email = False
        cls._user("jwks_admin", "base.group_user,base.group_system").partner_id.email = False
        cls.client = cls.env["g2p.api.client"].create({"name": "Rotating partner", "jwks_uri": cls.jwks_url})
        cls.key = ec.generate_private_key(ec.SECP256R1())

    def test_only_an_api_manager_fetches_the_key_set_and_an_administrator_moves_it(self):
        self.publish({"k1": self.key})
        for login in ("jwks_officer", "jwks_viewer"):
            self._as(login)
            _result, error = self.call_kw(
                "g2p.api.client", "write", [[self.client.id], {"jwks_uri": self.jwks_url + "?evil"}]
            )
            self.assertEqual(error, "odoo.exceptions.AccessError", login)
            _result, error = self.call_button("g2p.api.client", "action_refresh_jwks", [self.client.id])
            self.assertEqual(error, "odoo.exceptions.AccessError", login)
        self.assertEqual(self.client.jwks_uri, self.jwks_url)
        self.assertEqual((self.fetches(), self.client.jwk_ids.ids), (0, []), "refused: nothing fetched or recorded")

        self._as("jwks_manager")
        _result, error = self.call_button("g2p.api.client", "action_refresh_jwks", [self.client.id])
        self.assertIsNone(error)
        self.assertEqual(self.fetches(), 1)
        self.assertEqual(self.client.jwk_ids.mapped("kid"), ["k1"])
        fetched = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("event_type", "=", KEY_SET_FETCHED)]
        )
        self.assertEqual(fetched.actor, "jwks_manager")
        # pointing the partner's key set elsewhere (a server the manager controls) is an administrator's act
        audit_rows = self.env["g2p.api.audit.log"].search_count([("client_id", "=", self.client.id)])
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"jwks_uri": self.jwks_url + "?v=2"}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.client.invalidate_recordset()
        self.assertEqual(self.client.jwks_uri, self.jwks_url)
        self.assertFalse(self.client.jwk_ids.removed_at, "refused: the partner's keys still verify")
        self.assertEqual(self.env["g2p.api.audit.log"].search_count([("client_id", "=", self.client.id)]), audit_rows)
        self._as("jwks_admin")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"jwks_uri": self.jwks_url + "?v=2"}]
        )
        self.assertIsNone(error)
        self.assertTrue(self.client.jwk_ids.removed_at, "the keys of the former URL no longer verify")
        [change] = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("action", "=", "change jwks_uri")]
        )
        self.assertEqual((change.old_value, change.new_value), (self.jwks_url, self.jwks_url + "?v=2"))


class _DripServer:
    """A key set server that promises a set and sends it one byte at a time (a slow-read attack on the fetch)."""

    def __init__(self):
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.host_port = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        with contextlib.suppress(OSError):
            conn, _address = self.listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                while not self.stop.wait(0.2):
                    conn.sendall(b" ")

    def close(self):
        self.stop.set()
        self.listener.close()


@tagged("post_install", "-at_install")
class TestKeySetFetchBounds(KeySetServer, G2PApiCase):
    """A key set server (the partner's, or one an attacker named) cannot hold a worker or its memory: the fetch
    reads at most MAX_SET_BYTES and ends within twice its timeout, and the keys fetched before stay in use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._serve_key_set()
        cls.client = cls.env["g2p.api.client"].create({"name": "Bounded partner", "jwks_uri": cls.jwks_url})
        cls.key = ec.generate_private_key(ec.SECP256R1())

    def _evidence(self):
        self.client.invalidate_recordset()
        return self.key_rows(), self.client.jwks_uri

    def _last_failure(self):
        return self._audit_rows(client_id=self.client.id, event_type=KEY_SET_FETCHED, outcome="failure")[:1]

    def test_a_huge_key_set_is_not_read(self):
        self.publish({"k1": self.key})
        self.client.action_refresh_jwks()
        before = self._evidence()
        self.key_server.default = (200, {"keys": [jwk_of(self.key, "k2")], "pad": "x" * (4 * MAX_SET_BYTES)}, {}, 0)
        self.client.action_refresh_jwks()
        self.assertIn(f"larger than {MAX_SET_BYTES} bytes", self._last_failure().new_value)
        self.assertEqual(self._evidence(), before, "the keys fetched before stay, nothing added")

    def test_a_server_answering_a_byte_at_a_time_is_cut_off(self):
        drip = _DripServer()
        self.addCleanup(drip.close)
        self.patch(partner_jwks, "FETCH_TIMEOUT", 0.5)
        self.patch(outbound_delivery, "DEADLINE_SLACK", 0)  # the deadline: 2 x 0.5 s
        policy = url_guard.policy(self.env)
        policy = dataclasses.replace(
            policy, allowed_hosts=policy.allowed_hosts | {("127.0.0.1", int(drip.host_port.split(":")[1]))}
        )
        started = time.monotonic()
        fetched = partner_jwks.fetch(f"http://{drip.host_port}/jwks.json", policy)
        self.assertLess(
            time.monotonic() - started, 5, "the fetch ends near its deadline (2 x 0.5 s), not after 100,000 bytes"
        )
        self.assertEqual((fetched.keys, fetched.error), ({}, f"No complete answer from {drip.host_port} within 1 s"))

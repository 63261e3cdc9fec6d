import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from email.utils import formatdate

import jwt

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.services import outbound_delivery

from .common import G2PReceiverCase

DELIVERY = ["g2p.api.delivery"]


@tagged("post_install", "-at_install")
class TestOutboundNotifications(G2PReceiverCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Payment provider", ["individual:read", "individual:write", "membership:read"])

    def test_right_event_to_right_subscription_with_signature(self):
        people, secret = self._subscribe(
            ["individual.updated"],
            url_template="{{ target_url }}/people/{{ event.subject }}",
            http_method="PUT",
            callback_json_path="$.id",
        )
        memberships, _secret = self._subscribe(["program_membership.changed"], name="Memberships")
        self.person.write({"family_name": "Renamed"})
        self.person.write({"addl_name": "Second write"})
        self.commit_events()
        deliveries = people.delivery_ids
        self.assertEqual(len(deliveries), 1, "two writes in one transaction make one event")
        self.assertFalse(memberships.delivery_ids)
        self.receiver.answer(200, {"id": "PAY-778"})
        self.run_jobs(DELIVERY)
        (request,) = self.receiver.requests
        self.assertEqual((request["method"], request["path"]), ("PUT", f"/events/people/{self.person.uuid}"))
        event = json.loads(request["body"])
        self.assertEqual(
            (event["specversion"], event["type"], event["subject"]),
            ("1.0", "org.g2p.individual.updated", self.person.uuid),
        )
        self.assertEqual(event["data"]["family_name"], "Renamed")
        expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
        self.assertEqual(request["headers"]["x-g2p-signature"], expected)
        self.assertEqual(
            (deliveries.state, deliveries.attempt_count, deliveries.attempt_ids.status_code), ("sent", 1, 200)
        )
        ref = self.env["g2p.api.external.ref"].search([("subscription_id", "=", people.id)])
        self.assertEqual((ref.record_uuid, ref.external_id), (self.person.uuid, "PAY-778"))

    def test_archived_subscription_and_inactive_client_get_nothing(self):
        sub, _secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Before archive"})
        self.commit_events()
        self.assertEqual(len(sub.delivery_ids), 1)
        sub.active = False
        self.person.write({"family_name": "After archive"})
        self.commit_events()
        self.assertEqual(
            len(sub.with_context(active_test=False).delivery_ids), 1, "an archived subscription is not sent to"
        )
        sub.active = True
        self.client.active = False
        self.person.write({"family_name": "Client off"})
        self.commit_events()
        self.assertEqual(len(sub.delivery_ids), 1, "a deactivated client is not sent to")
        self.client.active = True
        self.person.write({"family_name": "Back on"})
        self.commit_events()
        self.assertEqual(len(sub.delivery_ids), 2)

    def test_module_data_loading_notifies_nobody(self):
        """An install/upgrade rewriting registrants (registry not ready yet) sends no events and does not crash."""
        sub, _secret = self._subscribe(["individual.updated", "individual.created"])
        self.patch(self.env.registry, "ready", False)
        self.person.write({"family_name": "Upgraded"})
        self.env["res.partner"].create({"is_registrant": True, "given_name": "From data file"})
        self.commit_events()
        self.assertFalse(sub.delivery_ids)

    def test_jws_signing_verifiable_with_registry_key(self):
        self._subscribe(["individual.created"], signing="jws")
        self.env["res.partner"].create({"is_registrant": True, "given_name": "Newborn"})
        self.commit_events()
        self.run_jobs(DELIVERY)
        request = self.receiver.requests[0]
        signature = request["headers"]["x-g2p-jws"]
        # a partner verifies with the JWKS entry of the kid in the JWS header: the message key's
        kid = jwt.get_unverified_header(signature)["kid"]
        self.assertEqual(kid, self.env["g2p.api.signing.key"]._ensure_active_key("message").kid)
        self.assertTrue(kid.startswith("msg-"))
        with self._api() as api:
            jwks = api.get("/api/v2/.well-known/jwks.json").json()
        key = jwt.PyJWK(next(jwk for jwk in jwks["keys"] if jwk["kid"] == kid)).key
        claims = jwt.decode(signature, key, algorithms=["ES256"])
        self.assertEqual(claims, json.loads(request["body"]))

    def test_error_then_success_is_retried(self):
        sub, _secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Retry"})
        self.commit_events()
        self.receiver.answer(500, {"error": "busy"})
        self.receiver.answer(503, {}, headers={"Retry-After": "120"})
        self.receiver.answer(200, {})
        self.run_jobs(DELIVERY)
        delivery = sub.delivery_ids
        self.assertEqual((delivery.state, delivery.attempt_count), ("sent", 3))
        self.assertEqual(delivery.attempt_ids.mapped("status_code"), [500, 503, 200])
        self.assertEqual(delivery.attempt_ids.mapped("outcome"), ["retrying", "retrying", "sent"])
        first, second = delivery.attempt_ids[:2]
        self.assertGreaterEqual((second.next_retry - second.create_date).total_seconds(), 110, "Retry-After honoured")
        self.assertEqual(len(self.receiver.requests), 3)

    def test_retry_after_is_honoured_as_given_in_seconds_and_date_form_capped(self):
        sub, _secret = self._subscribe(["individual.updated"], max_attempts=4)
        self.person.write({"family_name": "Later"})
        self.commit_events()
        in_a_minute_and_a_half = int(time.time()) + 90
        in_a_minute = formatdate(in_a_minute_and_a_half, usegmt=True)
        self.receiver.answer(503, {}, headers={"Retry-After": "5"})
        self.receiver.answer(503, {}, headers={"Retry-After": in_a_minute})
        self.receiver.answer(429, {}, headers={"Retry-After": "86400"})
        # each attempt ran between these two instants: its wait is bounded by them, whatever the machine's load
        # (create_date is the test transaction's start, not the attempt's time)
        before = datetime.utcnow()
        self.run_jobs(DELIVERY)
        after = datetime.utcnow()
        attempts = sub.delivery_ids.attempt_ids
        self.assertEqual(attempts.mapped("status_code"), [503, 503, 429, 200])
        self.assertAlmostEqual(
            attempts[1].next_retry,
            datetime.utcfromtimestamp(in_a_minute_and_a_half),
            delta=timedelta(seconds=2),
            msg="HTTP-date form: retried at that date",
        )
        for attempt, wait in zip(attempts[::2][:2], (5, outbound_delivery.MAX_BACKOFF), strict=True):
            longest, shortest = (
                (attempt.next_retry - before).total_seconds(),
                (attempt.next_retry - after).total_seconds(),
            )
            self.assertTrue(
                shortest - 2 <= wait <= longest + 2,
                f"Retry-After {wait} s honoured as given (5 s is not raised to 30 s; one day capped at "
                f"{outbound_delivery.MAX_BACKOFF} s): next retry {shortest:.1f}-{longest:.1f} s after the attempt",
            )

    def test_client_error_fails_at_once_and_can_be_resent(self):
        sub, _secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Gone"})
        self.commit_events()
        self.receiver.answer(404, {"error": "no such endpoint"})
        self.run_jobs(DELIVERY)
        delivery = sub.delivery_ids
        self.assertEqual(
            (delivery.state, delivery.attempt_count, delivery.attempt_ids.response_excerpt),
            ("failed", 1, '{"error": "no such endpoint"}'),
        )
        delivery.action_resend()
        self.run_jobs(DELIVERY)
        self.assertEqual(delivery.state, "sent")

    def test_timeout_is_retried(self):
        # Odoo's test harness raises request timeouts below 10 s to 10 s, hence the 11 s answer
        sub, _secret = self._subscribe(["individual.updated"], timeout=1.0, max_attempts=2)
        self.person.write({"family_name": "Slow"})
        self.commit_events()
        self.receiver.answer(200, {}, delay=11)
        self.receiver.answer(200, {})
        self.run_jobs(DELIVERY)
        delivery = sub.delivery_ids
        self.assertEqual((delivery.state, delivery.attempt_count), ("sent", 2))
        where = self.receiver.url.removeprefix("http://")
        self.assertEqual(delivery.attempt_ids[0].error, f"Timed out after 1 s waiting for {where} to answer")
        self.assertFalse(delivery.attempt_ids[1].error)

    def test_endpoint_down_for_the_whole_window(self):
        self._allow_outbound_hosts(self.receiver.host_port, "127.0.0.1:9")
        sub, _secret = self._subscribe(["individual.updated"], target_url="http://127.0.0.1:9/down", max_attempts=3)
        self.person.write({"family_name": "Unreachable"})
        self.commit_events()
        self.run_jobs(DELIVERY)
        delivery = sub.delivery_ids
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 3))
        # one line staff can act on, not requests' nested exception text with object addresses
        self.assertEqual(set(delivery.attempt_ids.mapped("error")), {"Connection refused by 127.0.0.1:9"})
        self.assertEqual(delivery.last_error, "Connection refused by 127.0.0.1:9")

    def test_error_answers_are_one_readable_line(self):
        sub, _secret = self._subscribe(["individual.updated"], max_attempts=2)
        self.person.write({"family_name": "Busy"})
        self.commit_events()
        self.receiver.answer(503, {"error": "maintenance"})
        self.receiver.answer(409, {"error": "already paid"})
        self.run_jobs(DELIVERY)
        delivery = sub.delivery_ids
        self.assertEqual(
            delivery.attempt_ids.mapped("error"),
            ["Receiver answered 503 Service Unavailable", "Receiver answered 409 Conflict"],
        )
        self.assertEqual((delivery.state, delivery.last_error), ("failed", "Receiver answered 409 Conflict"))
        self.assertEqual(delivery.attempt_ids[0].response_excerpt, '{"error": "maintenance"}')
        # the body as sent stays byte for byte; the form shows it indented
        self.assertEqual(json.loads(delivery.body_pretty), json.loads(delivery.body))
        self.assertIn('\n  "specversion": "1.0"', delivery.body_pretty)
        self.assertEqual(delivery.display_name, f"individual.updated of {self.person.name} to Payments")
        self.assertEqual(delivery.attempt_ids[0].display_name, "Attempt 1")

    def test_rolled_back_api_change_sends_nothing(self):
        sub, _secret = self._subscribe(["individual.created"])
        existing = self.person.reg_id_ids[0]
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                headers=self._auth(self.client, self.secret),
                json={
                    "given_name": "Duplicate",
                    "identifiers": [{"system": existing.namespace_uri, "value": existing.value}],
                },
            )
        self.assertEqual(response.status_code, 409)
        self.commit_events()
        self.assertFalse(sub.delivery_ids)
        with self._api() as api:
            created = api.post(
                "/api/v2/Individual", headers=self._auth(self.client, self.secret), json={"given_name": "Fresh"}
            )
        self.assertEqual(created.status_code, 201)
        self.commit_events()
        self.assertEqual(sub.delivery_ids.subject, created.json()["uuid"])

    def test_events_emitted_outside_http_requests(self):
        """Cron, shell and in-process jobs have no extendable context: payloads are still built."""
        from extendable import context

        sub, _secret = self._subscribe(["individual.updated"])
        token = context.extendable_registry.set(None)
        try:
            self.person.write({"family_name": "FromCron"})
            self.commit_events()
        finally:
            context.extendable_registry.reset(token)
        self.assertEqual(json.loads(sub.delivery_ids.body)["data"]["family_name"], "FromCron")

    def test_https_required_unless_allowed(self):
        from odoo.exceptions import ValidationError

        with self.assertRaisesRegex(ValidationError, "https"):
            self._subscribe(["individual.updated"], allow_insecure=False)


@tagged("post_install", "-at_install")
class TestOutboundReaderFollowsEndpoints(G2PReceiverCase):
    """The user and company outbound payloads are read as (``g2p.api.subscription._reader``, cached in each worker)
    follow the REST endpoints as they are created, archived, restored and deleted, with no other cache clear; while
    the registry has no active REST endpoint no payload is built and nothing queued goes out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Reader follows endpoints", ["individual:read"])

    def test_reader_follows_its_endpoint_archived_restored_and_deleted(self):
        sub, _secret = self._subscribe(["individual.updated"])
        rest = self.rest_endpoint
        self.assertEqual(sub.endpoint_id, rest, "the registry's only REST endpoint")
        self.assertEqual(sub._reader(), (rest.user_id.id, rest.company_id.id))  # cached from here on
        self.assertIsNone(self.env["g2p.api.subscription"]._reader(), "no subscription reads as nobody")
        rest.active = False
        self.assertIsNone(sub._reader(), "an archived REST endpoint is read as by nobody")
        other_user = new_test_user(self.env, "reader_second_endpoint", groups="base.group_user")
        second = self.env["fastapi.endpoint"].create(
            {"name": "REST, second", "app": "g2p_partner_api", "root_path": "/api/v2-second", "user_id": other_user.id}
        )
        self.assertIsNone(sub._reader(), "another endpoint created: never read as it")
        rest.active = True
        self.assertEqual(sub._reader(), (rest.user_id.id, rest.company_id.id), "the endpoint restored")
        on_second, _secret = self._subscribe(["individual.updated"])
        self.assertFalse(on_second.endpoint_id, "two REST endpoints: which one the partner works with is not guessed")
        on_second.endpoint_id = second
        self.assertEqual(on_second._reader(), (other_user.id, second.company_id.id))
        second.unlink()
        self.assertFalse(on_second.endpoint_id, "the endpoint deleted")
        self.assertIsNone(on_second._reader())

    def test_without_active_rest_endpoint_nothing_is_built_nor_sent(self):
        sub, _secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Before archiving"})
        self.commit_events()
        queued = sub.delivery_ids
        self.assertEqual((len(queued), queued.state), (1, "pending"))
        self.assertTrue(sub._payload_for(self.client.sudo(), "individual.updated", self.person.sudo()))
        self.rest_endpoint.active = False
        self.assertIsNone(sub._payload_for(self.client.sudo(), "individual.updated", self.person.sudo()))
        self.person.write({"family_name": "While archived"})
        self.commit_events()
        self.assertEqual(sub.delivery_ids, queued, "no delivery queued: no payload built")
        self.run_jobs(DELIVERY)
        self.assertEqual(self.receiver.requests, [], "nothing sent")
        self.assertEqual(
            (queued.state, queued.attempt_ids.error),
            (
                "failed",
                "not sent: the REST endpoint its subscription reads as is not active (archived, deleted or moved)",
            ),
        )
        disclosures = self.env["g2p.api.disclosure"].sudo().search([("delivery_id", "=", queued.id)])
        self.assertFalse(disclosures, "nothing disclosed")

import json
import time

from standardwebhooks import Webhook, WebhookVerificationError

from odoo.tests import tagged

from .common import G2PReceiverCase

DELIVERY = ["g2p.api.delivery"]


@tagged("post_install", "-at_install")
class TestStandardWebhooks(G2PReceiverCase):
    """Receivers verify outbound events with any Standard Webhooks library (here the reference one)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Webhook receiver", ["individual:read"])

    def _deliver(self, *answers):
        for status in answers:
            self.receiver.answer(status, {})
        self.commit_events()
        self.run_jobs(DELIVERY)
        return self.receiver.requests

    def test_event_verifies_with_the_whsec_secret(self):
        sub, secret = self._subscribe(["individual.updated"])
        self.assertTrue(secret.startswith("whsec_"), "the secret is given in the Standard Webhooks form")
        self.person.write({"family_name": "Verified"})
        (request,) = self._deliver()
        headers = request["headers"]
        event = Webhook(secret).verify(request["body"], headers)
        self.assertEqual(event["data"]["family_name"], "Verified")
        self.assertEqual(headers["webhook-id"], event["id"], "webhook-id is the CloudEvents id")
        self.assertLess(abs(int(headers["webhook-timestamp"]) - time.time()), 60)
        self.assertEqual(headers["content-type"], "application/cloudevents+json")
        self.assertTrue(headers["x-g2p-signature"].startswith("sha256="), "the documented header stays")
        self.assertEqual(sub.delivery_ids.content_type, "application/cloudevents+json")

    def test_altered_body_id_or_secret_is_refused(self):
        _sub, secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Untouched"})
        (request,) = self._deliver()
        headers = request["headers"]
        altered_body = request["body"].replace(b"Untouched", b"Tampered")
        with self.assertRaises(WebhookVerificationError):
            Webhook(secret).verify(altered_body, headers)
        with self.assertRaises(WebhookVerificationError):
            Webhook(secret).verify(request["body"], dict(headers, **{"webhook-id": "replayed-under-another-id"}))
        _other, other_secret = self._subscribe(["individual.created"], name="Other")
        with self.assertRaises(WebhookVerificationError):
            Webhook(other_secret).verify(request["body"], headers)

    def test_retries_keep_the_id_and_sign_their_own_timestamp(self):
        sub, secret = self._subscribe(["individual.updated"])
        self.person.write({"family_name": "Retried"})
        first, second = self._deliver(503, 200)
        self.assertEqual(sub.delivery_ids.state, "sent")
        self.assertEqual(first["headers"]["webhook-id"], second["headers"]["webhook-id"], "receivers deduplicate on it")
        for request in (first, second):
            Webhook(secret).verify(request["body"], request["headers"])

    def test_payload_template_is_plain_json_and_signed(self):
        sub, secret = self._subscribe(
            ["individual.updated"], payload_template='{"person": {{ subject | tojson }}}', http_method="PUT"
        )
        self.person.write({"family_name": "Templated"})
        (request,) = self._deliver()
        self.assertEqual(request["headers"]["content-type"], "application/json", "not a CloudEvents body")
        self.assertEqual(Webhook(secret).verify(request["body"], request["headers"]), {"person": self.person.uuid})
        self.assertEqual(request["headers"]["webhook-id"], sub.delivery_ids.event_id)

    def test_delete_signs_the_empty_body_it_sends(self):
        _sub, secret = self._subscribe(
            ["individual.archived"], http_method="DELETE", url_template="{{ base }}/people/{{ subject }}"
        )
        self.person._archive_registrant("Moved abroad")
        (request,) = self._deliver()
        self.assertEqual((request["method"], request["body"]), ("DELETE", b""))
        self.assertIsNone(Webhook(secret).verify(request["body"], request["headers"], json_parse=False))

    def test_secret_made_before_the_whsec_form_keys_with_its_text(self):
        sub, _secret = self._subscribe(["individual.updated"])
        older = "a5Qn0bWJm3Yx_older-form-secret-without-prefix"
        sub.sudo().hmac_secret = older
        self.person.write({"family_name": "Older secret"})
        (request,) = self._deliver()
        Webhook(older.encode()).verify(request["body"], request["headers"])

    def test_jws_subscription_has_ids_and_no_hmac_signature(self):
        self._subscribe(["individual.updated"], signing="jws")
        self.person.write({"family_name": "JWS"})
        (request,) = self._deliver()
        headers = request["headers"]
        self.assertEqual(headers["webhook-id"], json.loads(request["body"])["id"])
        self.assertIn("webhook-timestamp", headers)
        self.assertIn("x-g2p-jws", headers)
        self.assertNotIn("webhook-signature", headers)

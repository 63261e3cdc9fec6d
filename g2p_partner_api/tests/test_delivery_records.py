import json

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..services import url_guard
from .common import G2PReceiverCase, JsonRpcAttackMixin, partner_subscriptions


@tagged("post_install", "-at_install")
class TestDeliveriesWrittenByTheRegistryOnly(JsonRpcAttackMixin, HttpCase):
    """A delivery records what was sent: nobody rewrites it over JSON-RPC, API managers and system
    administrators included (who could, would make *Send again* send anything anywhere)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_client, cls.other_client = cls.env["g2p.api.client"].create(
            [{"name": "Delivery partner"}, {"name": "Other partner"}]
        )
        cls.subscription, cls.other_subscription = partner_subscriptions(
            cls.env,
            "g2p_partner_api.event_individual_updated",
            [
                ("Partner hook", cls.partner_client, "partner.example.org"),
                ("Other hook", cls.other_client, "other.example.org"),
            ],
        )
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")
        cls.delivery = cls.env["g2p.api.delivery"].create(
            {
                "subscription_id": cls.subscription.id,
                "event_type": "individual.updated",
                "event_id": "evt-recorded",
                "subject": cls.person.uuid,
                "url": "https://partner.example.org/hook",
                "http_method": "POST",
                "body": json.dumps({"id": "evt-recorded", "subject": cls.person.uuid}),
                "state": "failed",
                "attempt_count": 1,
                "required_scope": "individual:read",
                "registrant_ids": [(6, 0, cls.person.ids)],
            }
        )
        cls._user("delivery_manager", "g2p_partner_api.group_api_manager")
        cls._user("delivery_admin", "base.group_system,g2p_partner_api.group_api_manager")
        cls._user("delivery_officer", "g2p_partner_api.group_registry_officer")

    def _recorded(self):
        self.env.invalidate_all()
        delivery = self.delivery
        return (
            delivery.body,
            delivery.url,
            delivery.http_method,
            delivery.subscription_id,
            delivery.client_id,
            delivery.event_type,
            delivery.state,
            delivery.attempt_count,
            delivery.required_scope,
            delivery.registrant_ids,
            self.env["g2p.api.delivery"].search_count([]),
        )

    def test_manager_and_admin_cannot_rewrite_a_delivery_over_json_rpc(self):
        self.assertEqual(self.delivery.client_id, self.partner_client, "the client is recorded at creation")
        before = self._recorded()
        ids = self.delivery.ids
        attacks = [
            ("write", [ids, {"body": json.dumps({"forged": "payload"})}]),
            ("write", [ids, {"url": "https://attacker.example.net/collect"}]),
            ("write", [ids, {"http_method": "PUT"}]),
            ("write", [ids, {"subscription_id": self.other_subscription.id}]),
            ("write", [ids, {"client_id": self.other_client.id}]),
            ("write", [ids, {"event_type": "group.updated"}]),
            ("write", [ids, {"registrant_ids": [(5, 0, 0)], "required_scope": False}]),
            ("write", [ids, {"state": "sent", "attempt_count": 0}]),
            (
                "create",
                [
                    {
                        "subscription_id": self.subscription.id,
                        "event_type": "individual.updated",
                        "event_id": "evt-forged",
                        "url": "https://attacker.example.net/collect",
                        "http_method": "POST",
                        "body": "{}",
                    }
                ],
            ),
        ]
        for login in ("delivery_manager", "delivery_admin"):
            self._as(login)
            for method, args in attacks:
                with self.subTest(login=login, attack=args[-1]), mute_logger("odoo.http"):
                    result, error = self.call_kw("g2p.api.delivery", method, args)
                    self.assertIsNone(result)
                    self.assertIn("AccessError", error)
        self.assertEqual(self._recorded(), before, "nothing changed")

    def test_manager_sends_again_what_was_recorded_others_cannot(self):
        self._as("delivery_officer")
        with mute_logger("odoo.http"):
            result, error = self.call_button("g2p.api.delivery", "action_resend", self.delivery.ids)
        self.assertIsNone(result)
        self.assertIn("AccessError", error)
        self.assertEqual(self._recorded()[6], "failed", "not queued again")
        before = self._recorded()
        self._as("delivery_manager")
        result, error = self.call_button("g2p.api.delivery", "action_resend", self.delivery.ids)
        self.assertIsNone(error)
        after = self._recorded()
        self.assertEqual((after[6], after[7]), ("pending", 0))
        self.assertEqual(after[:6] + after[8:], before[:6] + before[8:], "what is sent again is what was recorded")
        job = self.env["queue.job"].search([("model_name", "=", "g2p.api.delivery")], order="id desc", limit=1)
        self.assertEqual((job.records, job.records.env.su), (self.delivery, True), "the attempt is server code")


@tagged("post_install", "-at_install")
class TestSendAgainChecksAgain(G2PReceiverCase):
    """*Send again* sends the recorded body to the recorded URL only after the checks of every attempt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Resent partner", ["individual:read"])
        cls.manager = new_test_user(cls.env, "resend_manager", groups="g2p_partner_api.group_api_manager")

    def test_resend_after_the_scope_is_revoked_sends_nothing(self):
        delivery = self._delivered_update("Resent")
        self.client.scope_ids = False
        error = self._send_again(delivery, self.manager)
        self.assertEqual(
            (delivery.state, error), ("failed", "not sent: the client no longer has the scope individual:read")
        )
        self.assertFalse(self.receiver.requests)

    def test_resend_after_the_destination_is_closed_sends_nothing(self):
        delivery = self._delivered_update("Resent")
        self.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, "")
        error = self._send_again(delivery, self.manager)
        self.assertEqual(delivery.state, "failed")
        self.assertTrue(error.startswith("not sent: "), error)
        self.assertFalse(self.receiver.requests)

    def test_resend_after_the_client_is_deactivated_sends_nothing(self):
        delivery = self._delivered_update("Resent")
        self.client.active = False
        error = self._send_again(delivery, self.manager)
        self.assertEqual((delivery.state, error), ("failed", "not sent: the client is inactive"))
        self.assertFalse(self.receiver.requests)

    def test_resend_sends_the_recorded_body_to_the_recorded_url(self):
        delivery = self._delivered_update("Resent")
        delivery.subscription_id.target_url = self.receiver.url + "/moved"
        self.assertFalse(self._send_again(delivery, self.manager))
        (request,) = self.receiver.requests
        self.assertEqual((request["path"], request["body"].decode()), ("/events", delivery.body))
        self.assertEqual(delivery.state, "sent")


@tagged("post_install", "-at_install")
class TestRetryNow(JsonRpcAttackMixin, HttpCase):
    """*Retry now* makes the waiting attempt of a retrying delivery now: API Managers only, retrying ones only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.env["g2p.api.client"].create({"name": "Retry partner"})
        [cls.subscription] = partner_subscriptions(
            cls.env, "g2p_partner_api.event_individual_updated", [("Retry hook", client, "retry.example.org")]
        )
        cls.retrying, cls.failed = cls.env["g2p.api.delivery"].create(
            [
                {
                    "subscription_id": cls.subscription.id,
                    "event_type": "individual.updated",
                    "event_id": f"evt-{state}",
                    "url": "https://retry.example.org/hook",
                    "http_method": "POST",
                    "body": "{}",
                    "state": state,
                    "attempt_count": 1,
                    "last_status_code": 503,
                }
                for state in ("retrying", "failed")
            ]
        )
        cls.retrying._enqueue_attempt(3600)
        cls._user("retry_manager", "g2p_partner_api.group_api_manager")
        cls._user("retry_officer", "g2p_partner_api.group_registry_officer")

    def jobs(self):
        return self.env["queue.job"].search([("identity_key", "=", self.retrying._identity_key())], order="id")

    def test_manager_retries_now_others_cannot(self):
        [waiting] = self.jobs()
        self.assertTrue(waiting.eta)
        self._as("retry_officer")
        with mute_logger("odoo.http"):
            result, error = self.call_button("g2p.api.delivery", "action_retry_now", self.retrying.ids)
        self.assertIn("AccessError", error)
        self.assertEqual((self.jobs(), self.retrying.next_retry), (waiting, self.retrying.next_retry), "unchanged")
        self._as("retry_manager")
        result, error = self.call_button("g2p.api.delivery", "action_retry_now", self.retrying.ids)
        self.assertIsNone(error)
        self.env.invalidate_all()
        waiting_then, now = self.jobs()
        self.assertEqual((waiting_then, waiting_then.state), (waiting, "cancelled"), "no second attempt later")
        self.assertEqual((now.state, now.eta, now.records.env.su), ("pending", False, True))
        self.assertEqual((self.retrying.state, self.retrying.attempt_count), ("retrying", 1), "the attempts go on")
        self.assertFalse(self.retrying.next_retry)

    def test_only_a_retrying_delivery_is_retried_now(self):
        self._as("retry_manager")
        with mute_logger("odoo.http"):
            result, error = self.call_button("g2p.api.delivery", "action_retry_now", self.failed.ids)
        self.assertIn("UserError", error)
        self.env.invalidate_all()
        self.assertEqual((self.failed.state, self.failed.attempt_count), ("failed", 1))
        self.assertFalse(self.env["queue.job"].search([("identity_key", "=", self.failed._identity_key())]))

    def test_status_codes_are_not_added_up_in_group_totals(self):
        for model, field in (("g2p.api.delivery", "last_status_code"), ("g2p.api.delivery.attempt", "status_code")):
            self.assertFalse(self.env[model].fields_get([field], ["aggregator"])[field].get("aggregator"), field)
        [group] = self.env["g2p.api.delivery"].web_read_group(
            [("id", "in", (self.retrying | self.failed).ids)], ["last_status_code"], ["subscription_id"]
        )["groups"]
        self.assertNotIn("last_status_code", group, "no 1006 for two 503s")

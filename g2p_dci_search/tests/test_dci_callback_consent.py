from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.job import Job

from ..services.dci_query import SCOPE
from .common import DciAsyncCase

WITHDRAWN = "not sent: the client may no longer read the registrants of this event (consent)"


@tagged("post_install", "-at_install")
class TestDciCallbacksCheckConsentAtEachAttempt(DciAsyncCase):
    """on-search and notify deliveries record the registrants they name: each attempt, and *Send again*,
    sends them only while the participant may still read every one of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "dci_resend_manager", groups="g2p_partner_api.group_api_manager")

    def setUp(self):
        super().setUp()
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False

    def _consenting(self, given, family):
        person = self.env["res.partner"].create({"is_registrant": True, "given_name": given, "family_name": family})
        return person, self.grant_consent(person)

    def _attempt_pending_deliveries_once(self):
        """One attempt of each queued delivery, as the job runner makes it (the retries it queues wait)."""
        for record in self.env["queue.job"].search(
            [("state", "=", "pending"), ("model_name", "=", "g2p.api.delivery")], order="id"
        ):
            job = Job.load(self.env, record.uuid)
            job.set_started()
            job.perform()
            job.set_done()
            job.store()

    def test_on_search_retried_after_consent_withdrawn_is_not_delivered(self):
        person, consent = self._consenting("Wanda", "Retryson")
        self.receiver.answer(503, {})
        self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Retryson"})]))
        self.run_jobs(["g2p.dci.transaction"])
        delivery = self.env["g2p.api.delivery"].search([("event_type", "=", "dci.on-search")], limit=1)
        self.assertEqual((delivery.registrant_ids, delivery.required_scope), (person, SCOPE))
        self._attempt_pending_deliveries_once()
        self.assertEqual(
            (delivery.state, [r["path"] for r in self.receiver.requests]),
            ("retrying", ["/spmis/dci/registry/on-search"]),
        )
        self.receiver.requests.clear()

        consent.action_withdraw("withdrawn between two attempts")
        self.assertFalse(self.callbacks(), "the retry sends nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", WITHDRAWN))
        delivery.with_user(self.manager).action_resend()
        self.assertFalse(self.callbacks(), "nor does Send again")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", WITHDRAWN))

    def test_on_search_records_every_registrant_it_names(self):
        household, shown, hidden = self.household_with_a_silent_member("Namingsen")
        self.ack(
            "/registry/search",
            self.envelope([self.item("expression", {"group_name": "Namingsen household"}, reg_type="Household")]),
        )
        (callback,) = self.callbacks()
        (record,) = callback["message"]["search_response"][0]["data"]["reg_records"]
        self.assertEqual([m["@id"] for m in record["member_list"]], [f"urn:uuid:{shown.uuid}"])
        delivery = self.env["g2p.api.delivery"].search([("event_type", "=", "dci.on-search")], limit=1)
        self.assertEqual(delivery.registrant_ids, household | shown, "the member without consent is not named")
        shown.consent_ids.action_withdraw("the member withdrew")
        delivery.with_user(self.manager).action_resend()
        self.assertFalse(self.callbacks(), "the household is not sent again without its member's consent")
        self.assertEqual(delivery.attempt_ids.sorted("id")[-1].error, WITHDRAWN)
        self.assertNotIn(hidden, delivery.registrant_ids)

    def test_notify_queued_then_consent_withdrawn_is_not_delivered(self):
        self.ack("/registry/subscribe", self.subscribe_envelope("REGISTER", {"family_name": "Notifyson"}))
        self.callbacks()  # on-subscribe
        person, consent = self._consenting("Nora", "Notifyson")
        self.commit_events()
        delivery = self.env["g2p.api.delivery"].search([("event_type", "=", "dci.notify")], limit=1)
        self.assertEqual((delivery.registrant_ids, delivery.state), (person, "pending"))
        consent.action_withdraw("before the notification left")
        self.assertFalse(self.callbacks(), "not delivered")
        self.assertEqual((delivery.state, delivery.attempt_ids.error), ("failed", WITHDRAWN))

    def test_notify_retried_after_consent_withdrawn_is_not_delivered(self):
        self.ack("/registry/subscribe", self.subscribe_envelope("REGISTER", {"family_name": "Renotifyson"}))
        self.callbacks()  # on-subscribe
        self.receiver.answer(503, {})
        person, consent = self._consenting("Rita", "Renotifyson")
        self.commit_events()
        delivery = self.env["g2p.api.delivery"].search([("event_type", "=", "dci.notify")], limit=1)
        self._attempt_pending_deliveries_once()
        self.assertEqual(
            (delivery.registrant_ids, delivery.state, [r["path"] for r in self.receiver.requests]),
            (person, "retrying", ["/spmis/dci/registry/notify"]),
            "queued and tried while consented",
        )
        self.receiver.requests.clear()

        consent.action_withdraw("withdrawn between two attempts")
        self.assertFalse(self.callbacks(), "the retry sends nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", WITHDRAWN))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("delivery_id", "=", delivery.id)]))


@tagged("post_install", "-at_install")
class TestDciGroupSizeCountsReadableMembers(DciAsyncCase):
    def test_group_size_counts_only_members_the_participant_may_read(self):
        household, shown, hidden = self.household_with_a_silent_member("Sizeson")
        response = self.search(
            self.envelope([self.item("expression", {"group_name": "Sizeson household"}, reg_type="Household")])
        )
        (record,) = response.json()["message"]["search_response"][0]["data"]["reg_records"]
        self.assertEqual(len(household.group_member_ids), 2)
        self.assertEqual(
            (record["group_size"], [m["@id"] for m in record["member_list"]]), (1, [f"urn:uuid:{shown.uuid}"])
        )
        self.grant_consent(hidden)
        response = self.search(
            self.envelope([self.item("expression", {"group_name": "Sizeson household"}, reg_type="Household")])
        )
        (record,) = response.json()["message"]["search_response"][0]["data"]["reg_records"]
        self.assertEqual(record["group_size"], 2, "once the member consented, counted")

import json

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.demo.job_runner import perform_pending_jobs
from odoo.addons.g2p_partner_api.tests.common import G2PReceiverCase

WITHDRAWN = "not sent: the client may no longer read the registrants of this event (consent)"


@tagged("post_install", "-at_install")
class TestSendAgainAfterConsentWithdrawn(G2PReceiverCase):
    """*Send again* of an event about a registrant who withdrew consent sends nothing, and says why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Consent-bound partner", scopes=["individual:read"], legal_basis=None
        )
        cls._allow_outbound_hosts(cls.receiver.host_port)
        cls.person = cls.env["res.partner"].create({"is_registrant": True, "given_name": "Withdrawing"})
        cls.consent = cls._consent(cls.person, "g2p_partner_api.scope_individual_read")
        cls.manager = new_test_user(cls.env, "consent_resend_manager", groups="g2p_partner_api.group_api_manager")

    @classmethod
    def _consent(cls, partner, *scope_xmlids):
        return cls.env["g2p.consent"].create(
            {
                "partner_id": partner.id,
                "client_id": cls.client.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
                "scope_ids": [(6, 0, [cls.env.ref(xmlid).id for xmlid in scope_xmlids])],
                "evidence_reference": "F-RESEND",
            }
        )

    def test_resend_after_withdrawal_sends_nothing(self):
        delivery = self._delivered_update("Sentonce")
        self.assertEqual(delivery.registrant_ids, self.person)
        self.assertFalse(self._send_again(delivery, self.manager))
        self.assertEqual(
            (delivery.state, json.loads(self.receiver.requests[0]["body"])["data"]["family_name"]),
            ("sent", "Sentonce"),
            "with consent: the recorded event is sent again",
        )
        self.receiver.requests.clear()

        self.consent.action_withdraw("no longer")
        error = self._send_again(delivery, self.manager)
        self.assertFalse(self.receiver.requests, "nothing reached the partner")
        self.assertEqual(
            (delivery.state, error),
            ("failed", "not sent: the client may no longer read the registrants of this event (consent)"),
        )

    def test_retry_after_withdrawal_sends_nothing(self):
        subscription, _secret = self._subscribe(["individual.updated"])
        self.receiver.answer(503)
        self.person.write({"family_name": "Retriedlater"})
        self.commit_events()
        delivery = subscription.delivery_ids
        perform_pending_jobs(self.env, ["g2p.api.delivery"])  # the first attempt; its retry waits
        self.assertEqual((delivery.state, len(self.receiver.requests)), ("retrying", 1), "queued while consented")
        self.receiver.requests.clear()

        self.consent.action_withdraw("withdrawn between two attempts")
        self.run_jobs(["g2p.api.delivery"])  # the retry's job, as the runner runs it at its time
        self.assertFalse(self.receiver.requests, "the retry sent nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", WITHDRAWN))
        self.assertFalse(delivery.attempt_ids.sorted("id")[-1].response_excerpt)
        disclosed = self.env["g2p.api.disclosure"].search([("delivery_id", "=", delivery.id)])
        self.assertFalse(disclosed, "nothing sent, nothing disclosed")

    def test_group_event_not_sent_once_a_member_it_names_withdrew(self):
        self.client.scope_ids |= self.env.ref("g2p_partner_api.scope_group_read")
        group = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Named household",
                "group_member_ids": [(0, 0, {"individual_id": self.person.id})],
            }
        )
        self._consent(group, "g2p_partner_api.scope_group_read")
        member_consent = self._consent(self.person, "g2p_partner_api.scope_group_read")
        subscription, _secret = self._subscribe(["group.updated"])
        self.commit_events()
        group.write({"name": "Named household, renamed"})
        self.commit_events()
        delivery = subscription.delivery_ids
        self.assertEqual(delivery.registrant_ids, group | self.person, "the member its payload names is recorded")
        self.assertIn(self.person.uuid, delivery.body)
        member_consent.action_withdraw("the member withdrew")
        self.run_jobs(["g2p.api.delivery"])
        self.assertFalse(self.receiver.requests, "the member's uuid did not leave")
        self.assertEqual(
            (delivery.state, delivery.attempt_ids.error),
            ("failed", "not sent: the client may no longer read the registrants of this event (consent)"),
        )

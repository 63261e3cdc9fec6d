"""Outbound deliveries after what they name is deleted or ended (fifth audit, partner side).

An event about a deleted record (a household or programme membership, an erased registrant) is built from a
snapshot: its delivery records the registrants its body names, as any other, so each attempt checks their
consent and the company rule hides it; a registrant erased since is nobody's to check, so the delivery names
an erased registrant, is never sent and is read by administrators only. The erasure itself is announced by the
registrant's uuid alone, to the partners that could read it when it was erased. A subscription the partner ended
(``DELETE /Subscription``) or an API Manager archived sends nothing more, retries and *Send again* included."""

import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.demo.job_runner import perform_pending_jobs
from odoo.addons.g2p_partner_api.tests.common import G2PReceiverCase

DELIVERY = ["g2p.api.delivery"]
CONSENT_REFUSED = "not sent: the client may no longer read the registrants of this event (consent)"
ERASED_REFUSED = "not sent: the event names a registrant erased from the registry"
ENDED_REFUSED = "not sent: the subscription is archived (ended or paused)"


class OutboundRefusalMixin:
    def _disclosures(self, delivery):
        return self.env["g2p.api.disclosure"].sudo().search([("delivery_id", "=", delivery.id)])

    def assert_refused(self, delivery, error):
        """Nothing reached the receiver: the delivery failed with ``error`` as its last attempt's reason."""
        self.assertEqual(self.receiver.requests, [], "nothing sent")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", error))


@tagged("post_install", "-at_install")
class TestDeletedRecordDeliveriesKeepTheirRegistrants(OutboundRefusalMixin, G2PReceiverCase):
    """A membership (household or programme) deleted by staff, a registrant erased by an administrator: the
    delivery of the event names the registrants its body names, or says that one was erased."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Deletion partner", scopes=["group:read", "membership:read"], legal_basis=None
        )
        cls._allow_outbound_hosts(cls.receiver.host_port)
        Partner = cls.env["res.partner"]
        company_a = cls.env.company  # registrants of company A (a contact has no company unless given one)
        cls.person = Partner.create(
            {"is_registrant": True, "given_name": "Ama", "family_name": "Zzdeletedsnapshot", "company_id": company_a.id}
        )
        cls.group = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "company_id": company_a.id,
                "name": "Zzdeletedsnapshot household",
                "group_member_ids": [Command.create({"individual_id": cls.person.id})],
            }
        )
        cls.program = cls.env["g2p.program"].create({"name": "Zzdeletedsnapshot cash transfer"})
        cls.client.allowed_program_ids = cls.program
        cls.enrolment = cls.env["g2p.program.membership"].create(
            {"program_id": cls.program.id, "partner_id": cls.person.id}
        )
        scopes = {
            cls.group: cls.env.ref("g2p_partner_api.scope_group_read"),
            cls.person: cls.env.ref("g2p_partner_api.scope_group_read")
            | cls.env.ref("g2p_partner_api.scope_membership_read"),
        }
        consents = cls.env["g2p.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
                    "scope_ids": [(6, 0, scope.ids)],
                    "evidence_reference": "F-DELETED",
                }
                for partner, scope in scopes.items()
            ]
        )
        cls.person_consent = consents.filtered(lambda consent: consent.partner_id == cls.person)
        cls.officer = new_test_user(cls.env, "deleted_officer", groups="g2p_partner_api.group_registry_officer")
        cls.manager_a = new_test_user(cls.env, "deleted_manager_a", groups="g2p_partner_api.group_api_manager")
        cls.administrator = new_test_user(cls.env, "deleted_administrator", groups="base.group_system")
        cls.company_b = cls.env["res.company"].create({"name": "Deletion registry B"})
        cls.manager_b = new_test_user(
            cls.env,
            "deleted_manager_b",
            groups="g2p_partner_api.group_api_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def _readers(self, delivery):
        """The logins of the users who find ``delivery`` (and its attempts) among the deliveries they read."""
        users = (self.manager_a, self.manager_b, self.administrator)
        found = {
            user.login
            for user in users
            if self.env["g2p.api.delivery"].with_user(user).search([("id", "=", delivery.id)])
        }
        with_attempts = {
            user.login
            for user in users
            if self.env["g2p.api.delivery.attempt"].with_user(user).search([("delivery_id", "=", delivery.id)])
        }
        return found, with_attempts

    def _deleted_membership_delivery(self):
        self.commit_events()  # the fixture's own events, before the subscription exists
        subscription, _secret = self._subscribe(["membership.changed"])
        self.group.group_member_ids.with_user(self.officer).unlink()  # an Officer removes a mistaken membership
        self.commit_events()
        delivery = subscription.delivery_ids
        self.assertEqual(len(delivery), 1)
        self.assertIn(self.person.uuid, delivery.body, "the body names the individual and the group")
        self.assertIn(self.group.uuid, delivery.body)
        self.assertEqual(delivery.registrant_ids, self.group | self.person, "and the delivery records both")
        self.assertFalse(delivery.names_erased_registrant)
        return delivery

    def test_retry_after_consent_withdrawn_sends_nothing(self):
        delivery = self._deleted_membership_delivery()
        self.receiver.answer(503)
        perform_pending_jobs(self.env, DELIVERY)  # first attempt, while consented: the partner is down
        self.assertEqual((delivery.state, len(self.receiver.requests)), ("retrying", 1))
        self.receiver.requests.clear()

        self.person_consent.action_withdraw("the person withdrew")
        self.run_jobs(DELIVERY)  # the retry, as the runner runs it at its time
        self.assert_refused(delivery, CONSENT_REFUSED)
        self.assertFalse(self._disclosures(delivery), "nothing disclosed")

    def test_send_again_after_consent_withdrawn_sends_nothing(self):
        delivery = self._deleted_membership_delivery()
        self.run_jobs(DELIVERY)  # sent while consented: the honest path
        (request,) = self.receiver.requests
        data = json.loads(request["body"])["data"]
        self.assertEqual((data["individual"], data["group"]), (self.person.uuid, self.group.uuid))
        self.assertEqual(delivery.state, "sent")
        disclosed = self._disclosures(delivery)
        self.assertEqual(disclosed.partner_id, self.group | self.person, "both disclosed")
        self.receiver.requests.clear()

        self.person_consent.action_withdraw("the person withdrew")
        self.assertEqual(self._send_again(delivery, self.manager_a), CONSENT_REFUSED)
        self.assert_refused(delivery, CONSENT_REFUSED)
        self.assertEqual(self._disclosures(delivery), disclosed, "nothing more disclosed")

    def test_api_manager_of_another_company_does_not_read_the_deleted_membership(self):
        delivery = self._deleted_membership_delivery()
        self.run_jobs(DELIVERY)
        self.assertEqual(
            self._readers(delivery),
            ({"deleted_manager_a", "deleted_administrator"},) * 2,
            "the staff of the registrants' company read it and its attempts, company B's API Manager does not",
        )
        with self.assertRaises(AccessError):
            delivery.with_user(self.manager_b).read(["body"])

    def test_deleted_programme_membership_keeps_its_registrant(self):
        self.commit_events()
        subscription, _secret = self._subscribe(["program_membership.changed"])
        self.enrolment.with_user(self.officer).unlink()
        self.commit_events()
        delivery = subscription.delivery_ids
        self.assertIn(self.person.uuid, delivery.body)
        self.assertEqual((delivery.registrant_ids, delivery.names_erased_registrant), (self.person, False))
        self.assertEqual(self._readers(delivery)[0], {"deleted_manager_a", "deleted_administrator"})

        self.person_consent.action_withdraw("the person withdrew")
        self.run_jobs(DELIVERY)
        self.assert_refused(delivery, CONSENT_REFUSED)
        self.assertFalse(self._disclosures(delivery))

    def test_an_erased_group_is_announced_by_its_uuid_alone(self):
        self.commit_events()
        subscription, _secret = self._subscribe(["group.archived"])
        name, group_uuid = self.group.name, self.group.uuid
        self.group.unlink()  # an administrator erases the household (the law requires it); its consent goes with it
        self.commit_events()
        delivery = subscription.delivery_ids
        # the partner that could read the household holds a copy to delete: told that it was erased, nothing else
        self.assertEqual(json.loads(delivery.body)["data"], {"uuid": group_uuid, "erased": True})
        self.assertNotIn(name, delivery.body)
        self.assertNotIn(self.person.uuid, delivery.body, "its member is not named")
        self.assertEqual((delivery.registrant_ids, delivery.names_erased_registrant), (self.person.browse(), False))
        self.run_jobs(DELIVERY)
        self.assertEqual(delivery.state, "sent")
        [sent] = self.receiver.requests
        self.assertEqual(json.loads(sent["body"])["data"], {"uuid": group_uuid, "erased": True})
        self.assertFalse(self._disclosures(delivery), "nobody's data left")

    def test_an_erasure_is_announced_only_to_who_could_read_the_registrant(self):
        self.commit_events()
        subscription, _secret = self._subscribe(["group.archived"])
        group_consent = self.env["g2p.consent"].search([("partner_id", "=", self.group.id)])
        group_consent.action_withdraw("the household withdrew")
        self.group.unlink()  # erased after the consent was withdrawn: the partner may not read it any more
        self.commit_events()
        self.assertFalse(subscription.delivery_ids, "not told of a registrant it may not read")

    def test_a_registrant_erased_after_the_event_stops_its_retries(self):
        delivery = self._deleted_membership_delivery()
        self.receiver.answer(503)
        perform_pending_jobs(self.env, DELIVERY)  # the partner is down: the retry waits
        self.assertEqual((delivery.state, len(self.receiver.requests)), ("retrying", 1))
        self.receiver.requests.clear()

        self.person.unlink()  # an administrator erases the person: her consents go with her
        self.assertEqual((delivery.registrant_ids, delivery.names_erased_registrant), (self.group, True))
        self.run_jobs(DELIVERY)
        self.assert_refused(delivery, ERASED_REFUSED)
        self.assertEqual(self._readers(delivery), ({"deleted_administrator"},) * 2)


@tagged("post_install", "-at_install")
class TestEndedSubscriptionSendsNothing(OutboundRefusalMixin, G2PReceiverCase):
    """A partner ends its subscription (``DELETE /Subscription/{uuid}``: archived) or an API Manager archives
    it: the retries already queued and *Send again* send nothing; restored, it sends again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Ending partner", ["individual:read", "subscription:manage"])
        cls.manager = new_test_user(cls.env, "ending_manager", groups="g2p_partner_api.group_api_manager")

    def test_retry_after_the_partner_ended_its_subscription_sends_nothing(self):
        subscription, _secret = self._subscribe(["individual.updated"])
        self.receiver.answer(503)
        self.person.write({"family_name": "Zzended"})
        self.commit_events()
        delivery = subscription.delivery_ids
        perform_pending_jobs(self.env, DELIVERY)  # the partner is down: the retry waits
        self.assertEqual((delivery.state, len(self.receiver.requests)), ("retrying", 1))
        self.receiver.requests.clear()

        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            read = api.get(f"/api/v2/Subscription/{subscription.uuid}", headers=headers)
            self.assertEqual(read.status_code, 200, read.text)
            ended = api.delete(
                f"/api/v2/Subscription/{subscription.uuid}", headers=dict(headers, **{"If-Match": read.headers["ETag"]})
            )
        self.assertEqual(ended.status_code, 204, ended.text)
        self.assertFalse(subscription.active, "the partner ended it")

        self.run_jobs(DELIVERY)
        self.assert_refused(delivery, ENDED_REFUSED)
        self.assertFalse(self._disclosures(delivery), "nothing disclosed")

    def test_send_again_on_an_archived_subscription_sends_nothing(self):
        delivery = self._delivered_update("Zzpaused")
        disclosed = self._disclosures(delivery)
        subscription = delivery.subscription_id
        subscription.with_user(self.manager).active = False  # an API Manager pauses the partner's subscription
        self.assertEqual(self._send_again(delivery, self.manager), ENDED_REFUSED)
        self.assert_refused(delivery, ENDED_REFUSED)
        self.assertEqual(self._disclosures(delivery), disclosed, "nothing more disclosed")

        subscription.with_user(self.manager).active = True  # restored: Send again sends, as before
        self.assertFalse(self._send_again(delivery, self.manager))
        (request,) = self.receiver.requests
        self.assertIn("Zzpaused", request["body"].decode())
        self.assertEqual(delivery.state, "sent")

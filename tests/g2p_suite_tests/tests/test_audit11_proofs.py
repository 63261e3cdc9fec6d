"""Sixth audit (audit11): deliveries that name no registrant yet carry a company's data were every company's, as
the company rule on deliveries looked only at the registrants they name. An erased registrant's notice (which of
company A's registrants was erased, and which partner held her data), the DCI callbacks (a participant's
subscription filter, its codes, the items of its transactions) and a submission's events (a change request's
rejection reason or failure, a failed item's) were read by company B's API Manager. Each test
performs the audit's attack and asserts that it is refused, while A's staff and an administrator still read them
and the deliveries still go out (``g2p.api.delivery.company_id``)."""

import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_dci_search.tests.common import DciAsyncCase, now
from odoo.addons.g2p_partner_api.tests.common import G2PReceiverCase
from odoo.addons.g2p_partner_ingest.tests.test_follow_submissions import SUBMISSION_EVENTS, FollowCase

from .test_audit_company import run_migration

DELIVERY = ["g2p.api.delivery"]
MIGRATION = "g2p_dci_search/migrations/18.0.1.2.0/post-migrate.py"
SUBMISSIONS_MIGRATION = "g2p_partner_ingest/migrations/18.0.1.4.0/post-migrate.py"


class DeliveryCompanyMixin:
    """Company A (the registrants', the DCI endpoint's) with its API Manager and an administrator; company B with
    its API Manager."""

    @classmethod
    def _company_staff(cls, prefix):
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": f"{prefix} registry B"})
        cls.manager_a = new_test_user(cls.env, f"{prefix}_manager_a", groups="g2p_partner_api.group_api_manager")
        cls.administrator = new_test_user(cls.env, f"{prefix}_administrator", groups="base.group_system")
        cls.manager_b = new_test_user(
            cls.env,
            f"{prefix}_manager_b",
            groups="g2p_partner_api.group_api_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def assert_read_by_its_company_only(self, deliveries, needle):
        """Company B's API Manager finds nothing of ``deliveries`` (whose bodies hold ``needle``) by search, count or
        grouping, and reads neither them nor their attempts by id; A's API Manager and the administrator do."""
        self.env.flush_all()
        self.env.invalidate_all()
        by_body = [("id", "in", deliveries.ids), ("body", "ilike", needle)]
        self.assertEqual(self.env["g2p.api.delivery"].search(by_body), deliveries, "the bodies hold it")
        as_b = self.env["g2p.api.delivery"].with_user(self.manager_b)
        self.assertFalse(as_b.search(by_body))
        self.assertEqual(as_b.search_count(by_body), 0)
        self.assertEqual(as_b.read_group(by_body, ["client_id"], ["client_id"]), [])
        for delivery in deliveries:
            with self.assertRaises(AccessError):
                delivery.with_user(self.manager_b).read(["body", "client_id"])
            with self.assertRaises(AccessError):
                delivery.attempt_ids.with_user(self.manager_b).read(["response_excerpt"])
        attempts_b = self.env["g2p.api.delivery.attempt"].with_user(self.manager_b)
        self.assertFalse(attempts_b.search([("delivery_id", "in", deliveries.ids)]))
        for user in (self.manager_a, self.administrator):
            with self.subTest(reader=user.login):
                found = self.env["g2p.api.delivery"].with_user(user).search(by_body)
                self.assertEqual(found, deliveries)
                self.assertEqual(found.read(["body"])[0]["body"], deliveries[:1].body)
                attempts = self.env["g2p.api.delivery.attempt"].with_user(user)
                self.assertEqual(attempts.search([("delivery_id", "in", deliveries.ids)]), deliveries.attempt_ids)

    def assert_the_migration_places(self, deliveries, migration, company, untouched):
        """``deliveries``, as recorded before ``migration`` (without a company), get ``company`` from it; the
        ``untouched`` deliveries of no company keep none."""
        self.env.flush_all()
        self.env.cr.execute("UPDATE g2p_api_delivery SET company_id = NULL WHERE id IN %s", [tuple(deliveries.ids)])
        self.env.invalidate_all()
        self.assertFalse(deliveries.company_id)
        run_migration(self.env, migration)
        for delivery in deliveries:
            with self.subTest(event_type=delivery.event_type, subject=delivery.subject):
                self.assertEqual(delivery.company_id, company)
        self.assertFalse(untouched.company_id)


@tagged("post_install", "-at_install")
class TestAudit11ErasureNoticeKeepsItsCompany(DeliveryCompanyMixin, G2PReceiverCase):
    """An erased registrant's notice (``{"uuid", "erased": true}``, ``_snapshot_payload_for``) names no registrant:
    it now carries the erased registrant's company, taken while she exists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._company_staff("audit11")
        cls.client, _secret = cls._create_client("Audit11 erasure partner", scopes=["group:read"], legal_basis=None)
        cls._allow_outbound_hosts(cls.receiver.host_port)
        cls.group = cls.env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "company_id": cls.company_a.id, "name": "Zzaudit11 household"}
        )
        cls.env["g2p.consent"].create(
            {
                "partner_id": cls.group.id,
                "client_id": cls.client.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_group_read").ids)],
                "evidence_reference": "F-AUDIT11",
            }
        )
        events = cls.env.ref("g2p_partner_api.event_group_archived") | cls.env.ref(
            "g2p_partner_api.event_group_updated"
        )
        cls.subscription = cls.env["g2p.api.subscription"].create(
            {
                "name": "Audit11 erasures",
                "client_id": cls.client.id,
                "target_url": cls.receiver.url + "/hook",
                "allow_insecure": True,
                "event_type_ids": [(6, 0, events.ids)],
            }
        )

    def _deliveries_of(self, change):
        """The deliveries of the subscription that ``change()`` leads to, once committed (the fixture's own events
        delivered before)."""
        self.commit_events()
        self.run_jobs(DELIVERY)
        self.receiver.requests.clear()
        before = self.subscription.delivery_ids
        change()
        self.commit_events()
        return self.subscription.delivery_ids - before

    def _erasure_notice(self):
        """The household erased by an administrator (the law requires it): its notice, sent to the partner."""
        group_uuid = self.group.uuid
        notice = self._deliveries_of(self.group.unlink)
        self.assertEqual((len(notice), notice.event_type), (1, "group.archived"))
        self.run_jobs(DELIVERY)
        # the notice still goes out, to the partner that could read the household
        self.assertEqual(notice.state, "sent")
        (sent,) = self.receiver.requests
        self.assertEqual(json.loads(sent["body"])["data"], {"uuid": group_uuid, "erased": True})
        return notice, group_uuid

    def test_api_manager_of_another_company_reads_no_erasure_of_company_as_registrant(self):
        group_uuid = self.group.uuid
        self.assertFalse(self.env["res.partner"].with_user(self.manager_b).search([("uuid", "=", group_uuid)]))
        notice, group_uuid = self._erasure_notice()
        self.assertEqual((notice.registrant_ids, notice.company_id), (self.group.browse(), self.company_a))
        self.assertEqual(json.loads(notice.body)["data"], {"uuid": group_uuid, "erased": True})
        self.assert_read_by_its_company_only(notice, group_uuid)

    def test_nobody_but_the_registry_places_a_delivery(self):
        notice, _uuid = self._erasure_notice()
        Delivery = self.env["g2p.api.delivery"]
        for user in (self.manager_b, self.manager_a, self.administrator):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                notice.with_user(user).write({"company_id": self.company_b.id})
        with self.assertRaises(AccessError):
            notice.with_user(self.administrator).write({"company_id": False})
        with self.assertRaises(AccessError):
            Delivery.with_user(self.administrator).create(
                {
                    "subscription_id": self.subscription.id,
                    "event_type": "group.archived",
                    "event_id": "audit11-forged",
                    "url": self.receiver.url + "/hook",
                    "http_method": "POST",
                    "body": notice.body,
                    "company_id": self.company_b.id,
                }
            )
        self.env.invalidate_all()
        self.assertEqual(notice.company_id, self.company_a, "unchanged")
        self.assertEqual(Delivery.search_count([("event_id", "=", "audit11-forged")]), 0)

    def test_an_event_of_an_existing_registrant_is_left_to_the_registrant_rule(self):
        update = self._deliveries_of(lambda: self.group.write({"name": "Zzaudit11 household renamed"}))
        self.assertEqual(
            (update.event_type, update.registrant_ids, update.company_id.id), ("group.updated", self.group, False)
        )
        Delivery = self.env["g2p.api.delivery"]
        self.assertFalse(Delivery.with_user(self.manager_b).search([("id", "=", update.id)]))
        self.assertEqual(Delivery.with_user(self.manager_a).search([("id", "=", update.id)]), update)


@tagged("post_install", "-at_install")
class TestAudit11DciCallbacksKeepTheirCompany(DeliveryCompanyMixin, DciAsyncCase):
    """The DCI callbacks name no registrant but carry what the participant asked of a company's DCI endpoint, which
    the transaction's and subscription's rules keep to it: they now carry the company of the transaction, of the
    subscription, or (no transaction recorded) of the call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._company_staff("audit11_dci")

    def _new_dci_deliveries(self, since):
        return self.env["g2p.api.delivery"].search([("id", ">", since), ("event_type", "like", "dci.")])

    def _last_delivery_id(self):
        return self.env["g2p.api.delivery"].search([], order="id desc", limit=1).id

    def _txn_status(self, txn_type, reference_id):
        message = {
            "transaction_id": "audit11-status",
            "txnstatus_request": {
                "reference_id": "audit11-status-1",
                "txn_type": txn_type,
                "attribute_type": "reference_id_list",
                "attribute_value": [reference_id],
            },
        }
        self.ack("/registry/txn/status", self.signed_envelope("txn-status", message, 1))

    def test_api_manager_of_another_company_reads_no_subscription_filter_in_its_callback(self):
        watched = {"family_name": "Zzaudit11watched"}
        answer = self.subscribe("UPDATE", watched)
        self.assertEqual(answer["status"], "succ", answer)
        (subscription,) = self.env["g2p.dci.subscription"].search([("filter_json", "ilike", "Zzaudit11watched")])
        self.assertEqual(subscription.transaction_id.company_id, self.company_a)
        self.assertFalse(
            self.env["g2p.dci.subscription"].with_user(self.manager_b).search([("id", "=", subscription.id)])
        )
        callback = self.env["g2p.api.delivery"].search([("body", "ilike", "Zzaudit11watched")])
        self.assertEqual(
            (len(callback), callback.event_type, callback.registrant_ids, callback.company_id, callback.state),
            (1, "dci.on-subscribe", self.env["res.partner"], self.company_a, "sent"),
        )
        (info,) = json.loads(callback.body)["message"]["subscribe_response"][0]["subscriptions"]
        self.assertEqual(info["filter"], watched)
        self.assert_read_by_its_company_only(callback, "Zzaudit11watched")

    def test_on_unsubscribe_and_txn_on_status_are_their_calls_company(self):
        answer = self.subscribe("UPDATE", {"family_name": "Zzaudit11ended"}, reference_id="audit11-ended-1")
        code = answer["subscriptions"][0]["code"]
        since = self._last_delivery_id()
        unsubscribe = {"transaction_id": "audit11-unsub", "timestamp": now(), "subscription_codes": [code]}
        self.ack("/registry/unsubscribe", self.signed_envelope("unsubscribe", unsubscribe, 1))
        self._txn_status("subscribe", "audit11-ended-1")
        received = {callback["header"]["action"]: callback for callback in self.callbacks()}
        self.assertEqual(set(received), {"on-unsubscribe", "txn-on-status"}, "both sent")
        status = received["txn-on-status"]["message"]["txnstatus_response"]["txn_status"]
        self.assertEqual([item["reference_id"] for item in status["search_response"]], ["audit11-ended-1"])
        deliveries = self._new_dci_deliveries(since)
        on_unsubscribe = deliveries.filtered(lambda delivery: delivery.event_type == "dci.on-unsubscribe")
        on_status = deliveries.filtered(lambda delivery: delivery.event_type == "dci.txn-on-status")
        self.assertTrue(on_unsubscribe.dci_transaction_id, "recorded by the unsubscribe")
        self.assertFalse(on_status.dci_transaction_id, "a txn-status records no transaction: the call's company")
        self.assertEqual((on_unsubscribe | on_status).company_id, self.company_a)
        self.assert_read_by_its_company_only(on_unsubscribe, code)
        self.assert_read_by_its_company_only(on_status, "audit11-ended-1")

    def test_the_migration_gives_existing_callbacks_their_company(self):
        self._move_endpoint(self.endpoint, self.company_b)  # the DCI endpoint works for B: its calls are B's
        since = self._last_delivery_id()
        self.subscribe("REGISTER", {"family_name": "Zzaudit11migrated"}, reference_id="audit11-migrated-1")
        self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Ama",
                "family_name": "Zzaudit11migrated",
                "company_id": self.company_b.id,
            }
        )
        self._txn_status("subscribe", "audit11-migrated-1")
        self.assertEqual(len(self.callbacks()), 2, "the notify and the txn-on-status")
        deliveries = self._new_dci_deliveries(since)
        self.assertEqual(
            sorted(deliveries.mapped("event_type")), ["dci.notify", "dci.on-subscribe", "dci.txn-on-status"]
        )
        self.assertEqual(deliveries.company_id, self.company_b)
        # as recorded before 18.0.1.2.0; a programme's event (no company, nobody named) is left as it is
        programme = self.env["g2p.api.delivery"].search(
            [("event_type", "not like", "dci."), ("company_id", "=", False)]
        )
        self.assert_the_migration_places(deliveries, MIGRATION, self.company_b, programme)
        notify = deliveries.filtered(lambda delivery: delivery.event_type == "dci.notify")
        self.assertEqual((bool(notify.dci_subscription_id), notify.dci_transaction_id.id), (True, False))


@tagged("post_install", "-at_install")
class TestAudit11SubmissionEventsKeepTheirCompany(DeliveryCompanyMixin, FollowCase, G2PReceiverCase):
    """A submission's events (``change_request.rejected`` with the reviewer's reason, ``.failed``, a failed item's)
    name no registrant the submitter may not read, a new person or a failed item, yet tell what company A made of
    what came through its endpoint: they now carry the change request's (or the failed item's) company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._company_staff("audit11cr")
        cls._allow_outbound_hosts(cls.receiver.host_port)

    def setUp(self):
        super().setUp()
        self.subscription, _secret = self._subscribe(SUBMISSION_EVENTS)

    def _sent(self, deliveries):
        """``deliveries`` (one per event) sent to the submitter's receiver; their CloudEvents bodies."""
        self.commit_events()
        self.run_jobs(DELIVERY)
        self.assertEqual(set(deliveries.mapped("state")), {"sent"}, "the events still go out")
        self.assertEqual(len(self.receiver.requests), len(deliveries))
        return [json.loads(request["body"]) for request in self.receiver.requests]

    def _rejected(self, nid, reason):
        rows, request = self.submitted(nid)
        self.assertEqual((request.company_id, rows.company_id), (self.company_a, self.company_a))
        self.assertFalse(self.CR.with_user(self.manager_b).search([("id", "=", request.id)]), "A's request")
        request.with_user(self.approver).action_reject(reason)
        return request, self.subscription.delivery_ids

    def test_api_manager_of_another_company_reads_no_rejection_reason_of_company_a(self):
        reason = "Zzaudit11cr: the birth date differs from the civil register."
        request, rejected = self._rejected("90001101", reason)
        (event,) = self._sent(rejected)
        self.assertEqual((event["type"], event["data"]["reason"]), ("org.g2p.change_request.rejected", reason))
        self.assertEqual(
            (rejected.registrant_ids, rejected.company_id, rejected.subject),
            (self.env["res.partner"], self.company_a, request.name),
        )
        self.assert_read_by_its_company_only(rejected, "Zzaudit11cr")

    def test_api_manager_of_another_company_reads_no_failure_of_company_a(self):
        _rows, request = self.submitted("90001102")
        request._fail("Member 2 is already registered.")
        _data, failed_item = self.ingest(
            self.body({"person": {"last_name": "Zzaudit11cr"}}), params={"data_model": "PERSON_JSON"}
        )
        self.assertEqual((failed_item.state, failed_item.company_id), ("failed", self.company_a))
        failures = self.subscription.delivery_ids
        events = self._sent(failures)
        self.assertEqual(
            sorted((event["data"]["reference"] or "", event["data"]["ingest_id"]) for event in events),
            sorted([(request.name, request.ingest_id), ("", failed_item.ingest_id)]),
        )
        self.assertEqual((failures.registrant_ids, failures.company_id), (self.env["res.partner"], self.company_a))
        of_request = failures.filtered("subject")
        for delivery, needle in ((of_request, request.name), (failures - of_request, failed_item.ingest_id)):
            with self.subTest(needle=needle):
                self.assert_read_by_its_company_only(delivery, needle)

    def test_a_request_of_no_company_stays_every_companys(self):
        _rows, request = self.submitted("90001103")
        self.env.flush_all()
        self.env.cr.execute("UPDATE g2p_change_request SET company_id = NULL WHERE id = %s", [request.id])
        self.env.invalidate_all()
        request.with_user(self.approver).action_reject("Zzaudit11cr of no company.")
        rejected = self.subscription.delivery_ids
        self._sent(rejected)
        self.assertFalse(rejected.company_id)
        self.assertEqual(
            self.env["g2p.api.delivery"].with_user(self.manager_b).search([("id", "=", rejected.id)]), rejected
        )

    def test_the_migration_gives_existing_submission_events_their_company(self):
        request, rejected = self._rejected("90001104", "Zzaudit11cr migrated.")
        _data, failed_item = self.ingest(
            self.body({"person": {"last_name": "Zzaudit11cr"}}), params={"data_model": "PERSON_JSON"}
        )
        deliveries = self.subscription.delivery_ids
        self._sent(deliveries)
        self.assertEqual(deliveries.company_id, self.company_a)
        # as recorded before 18.0.1.4.0; what names nobody and is of no company (a programme's event) is left as it is
        others = self.env["g2p.api.delivery"].search([("id", "not in", deliveries.ids), ("company_id", "=", False)])
        self.assert_the_migration_places(deliveries, SUBMISSIONS_MIGRATION, self.company_a, others)
        self.assertEqual(deliveries.filtered("subject").subject, request.name)
        self.assertIn(failed_item.ingest_id, (deliveries - rejected).body)

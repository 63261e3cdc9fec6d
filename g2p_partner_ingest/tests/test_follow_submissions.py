import json

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PReceiverCase

from .common import IngestCase

SUBMISSION_EVENTS = ["change_request.applied", "change_request.rejected", "change_request.failed"]


class FollowCase(IngestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, "follow_approver", groups="g2p_partner_api.group_registry_approver")

    def status_of(self, rows, client=None, secret=None):
        """The ingest_status item of ``rows`` (one item), as its sender reads it."""
        with self._api() as api:
            response = api.get(
                f"/partner/ingest_status/{rows.correlation_id}",
                headers=self._auth(client or self.client, secret or self.secret),
            )
        self.assertEqual(response.status_code, 200, response.text)
        (item,) = response.json()["items"]
        return item

    def submitted(self, nid):
        _data, rows = self.ingest(self.body({"person": self.person(nid=nid)}))
        return rows, rows.change_request_id

    def without_legal_basis(self):
        if "legal_basis_enabled" not in self.client._fields:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False


@tagged("post_install", "-at_install")
class TestIngestStatusTellsTheOutcome(FollowCase):
    """``GET /partner/ingest_status``: the registrant an applied item made, to a sender that may read it; the reason
    in words of an item that went no further."""

    def test_applied_item_names_the_registrant_it_created(self):
        rows, request = self.submitted("90000801")
        self.assertIsNone(self.status_of(rows)["registrant"], "nothing created while pending")
        request.with_user(self.approver).action_approve()
        item = self.status_of(rows)
        self.assertEqual(
            (item["change_request_state"], item["registrant"], item["reason"]),
            ("applied", request.registrant_id.uuid, None),
        )

    def test_registrant_the_sender_may_not_read_is_not_named(self):
        self.without_legal_basis()
        rows, request = self.submitted("90000802")
        pending = self.status_of(rows)
        request.with_user(self.approver).action_approve()
        item = self.status_of(rows)
        self.assertEqual((item["change_request_state"], item["registrant"]), ("applied", None))
        self.assertEqual(set(item), set(pending), "the same shape as for any item naming nobody")
        self.assertNotIn(request.registrant_id.uuid, json.dumps(item))

    def test_rejected_item_gives_the_reviewers_reason(self):
        rows, request = self.submitted("90000803")
        request.with_user(self.approver).action_reject("The birth date does not match the civil register.")
        item = self.status_of(rows)
        self.assertEqual(
            (item["change_request_state"], item["reason"], item["registrant"]),
            ("rejected", "The birth date does not match the civil register.", None),
        )

    def test_item_failed_in_the_pipeline_gives_the_validation_problem(self):
        _data, rows = self.ingest(self.body({"person": self.person(nid="90000806", dob="1992-13-45")}))
        item = self.status_of(rows)
        self.assertEqual((item["state"], item["error_code"]), ("failed", "TRANSFORMATION_FAILED"))
        self.assertIn("birthdate", item["reason"])
        self.assertEqual(item["reason"], item["error_message"])

    def test_request_that_cannot_be_applied_says_why_without_naming_anyone(self):
        rows, request = self.submitted("90000804")
        # meanwhile staff register someone else with the same national id
        holder = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Someone",
                "family_name": "Else",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id, "value": "90000804"})
                ],
            }
        )
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "failed")
        item = self.status_of(rows)
        self.assertEqual(item["change_request_state"], "failed")
        self.assertIn("urn:g2p:id:national-id|90000804 is already assigned to another registrant", item["reason"])
        self.assertNotIn("Someone", item["reason"])
        self.assertNotIn(holder.uuid, json.dumps(item))

    def test_other_failures_are_told_in_general_words(self):
        rows, request = self.submitted("90000805")
        request._fail("Member 2 is Ruth Otieno, who is already registered: send the request back to review.")
        item = self.status_of(rows)
        self.assertEqual(item["reason"], "It could not be applied to the register as proposed.")
        request.with_user(self.approver).action_retry()
        self.assertIsNone(self.status_of(rows)["reason"], "sent back to review: no failure any more")


@tagged("post_install", "-at_install")
class TestSubmissionEventsDelivered(FollowCase, G2PReceiverCase):
    """``change_request.applied``, ``.rejected`` and ``.failed`` reach the submitter's receiver, and nobody else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._allow_outbound_hosts(cls.receiver.host_port)
        cls.other_client, _secret = cls._create_client("Other partner", scopes=["individual:read"])

    def setUp(self):
        super().setUp()
        self.subscription, _secret = self._subscribe(SUBMISSION_EVENTS)
        self.other_subscription, _secret = self._subscribe(
            SUBMISSION_EVENTS, name="Other", client_id=self.other_client.id, target_url=self.receiver.url + "/other"
        )

    def delivered(self):
        """The events the receiver got (CloudEvents bodies), once the pending ones are committed and sent."""
        self.commit_events()
        self.run_jobs(["g2p.api.delivery"])
        self.assertFalse(self.other_subscription.delivery_ids, "nothing for a partner that did not submit it")
        self.assertTrue(all(r["path"] == "/events" for r in self.receiver.requests))
        return [json.loads(r["body"]) for r in self.receiver.requests]

    def test_the_three_event_types_exist(self):
        codes = self.env["g2p.api.event.type"].search([("code", "in", SUBMISSION_EVENTS)]).mapped("code")
        self.assertEqual(sorted(codes), sorted(SUBMISSION_EVENTS))

    def test_applied(self):
        rows, request = self.submitted("90000811")
        request.with_user(self.approver).action_approve()
        (event,) = self.delivered()
        self.assertEqual(event["type"], "org.g2p.change_request.applied")
        self.assertEqual(
            (event["data"]["reference"], event["data"]["ingest_id"], event["data"]["registrant"]),
            (request.name, rows.ingest_id, request.registrant_id.uuid),
        )
        self.assertEqual(self.subscription.delivery_ids.state, "sent")

    def test_rejected_with_the_reason(self):
        rows, request = self.submitted("90000812")
        request.with_user(self.approver).action_reject("Duplicate of a record sent last week.")
        (event,) = self.delivered()
        self.assertEqual(event["type"], "org.g2p.change_request.rejected")
        self.assertEqual(
            (event["data"]["reference"], event["data"]["state"], event["data"]["reason"], event["data"]["ingest_id"]),
            (request.name, "rejected", "Duplicate of a record sent last week.", rows.ingest_id),
        )

    def test_failed_when_it_cannot_be_applied(self):
        _rows, request = self.submitted("90000813")
        request._fail("Member 2 is Ruth Otieno, who is already registered.")
        (event,) = self.delivered()
        self.assertEqual(event["type"], "org.g2p.change_request.failed")
        self.assertEqual(
            (event["data"]["reference"], event["data"]["reason"]),
            (request.name, "It could not be applied to the register as proposed."),
        )
        self.assertNotIn("Ruth", json.dumps(event))

    def test_failed_when_the_item_fails_in_the_pipeline(self):
        _data, rows = self.ingest(
            self.body({"person": {"last_name": "No first name"}}), params={"data_model": "PERSON_JSON"}
        )
        (event,) = self.delivered()
        self.assertEqual(event["type"], "org.g2p.change_request.failed")
        self.assertEqual(
            (event["data"]["reference"], event["data"]["ingest_id"], event["data"]["error_code"]),
            (None, rows.ingest_id, "TRANSFORMATION_FAILED"),
        )
        self.assertEqual(event["data"]["reason"], rows.error_message)

    def test_the_operation_is_told_as_to_any_sender_that_may_not_read_the_registrant(self):
        self.without_legal_basis()
        _rows, request = self.submitted("90000814")
        request.with_user(self.approver).action_approve()
        (event,) = self.delivered()
        self.assertEqual((event["data"]["operation"], event["data"]["registrant"]), ("ADD_OR_UPDATE", None))


@tagged("post_install", "-at_install")
class TestOneNamePerPartner(FollowCase):
    """The OAuth client_id is accepted as the ingest sender; the partner mnemonic stays an alias."""

    def test_client_id_as_sender(self):
        _data, rows = self.ingest(self.body({"person": self.person(nid="90000821")}, sender=self.client.client_id))
        self.assertEqual((rows.client_id, rows.state), (self.client, "done"))

    def test_mnemonic_still_accepted(self):
        _data, rows = self.ingest(self.body({"person": self.person(nid="90000822")}, sender="KOBO"))
        self.assertEqual(rows.client_id, self.client)

    def test_client_id_of_another_partner_with_the_wrong_key_is_refused(self):
        other, _secret = self._create_client("Other collector", scopes=["ingest:write"], partner_mnemonic="OTHER")
        response = self.post(self.body({"person": self.person(nid="90000823")}, sender=other.client_id))
        self.assertEqual(response.json()["response_header"]["error_code"], "REQUEST_VALIDATION_ERROR")
        self.assertFalse(self.received_count())

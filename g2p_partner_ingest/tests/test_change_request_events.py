import json

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import partner_subscriptions

from .common import IngestCase


@tagged("post_install", "-at_install")
class TestChangeRequestEventsGoToTheSubmitter(IngestCase):
    """``change_request.applied`` tells the partner that submitted the request, and no other partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, "cr_event_approver", groups="g2p_partner_api.group_registry_approver")
        # another partner that may read every registrant (legal basis) and subscribes to the same event
        cls.other_client, _secret = cls._create_client("Other partner", scopes=["individual:read", "group:read"])
        cls.own_subscription, cls.other_subscription = partner_subscriptions(
            cls.env,
            "g2p_partner_api.event_change_request_applied",
            [
                ("Kobo feedback", cls.client, "kobo.example.org"),
                ("Other feedback", cls.other_client, "other.example.org"),
            ],
        )

    def _applied(self, nid):
        _data, rows = self.ingest(self.body({"person": self.person(nid=nid)}))
        request = rows.change_request_id
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied")
        self.commit_events()
        return rows, request

    def test_another_partner_gets_no_event_of_a_request_it_did_not_submit(self):
        rows, request = self._applied("90000701")
        self.assertFalse(self.other_subscription.delivery_ids, "nothing queued for the other partner")
        self.assertNotIn(
            rows.ingest_id,
            "".join(self.env["g2p.api.delivery"].search([("client_id", "=", self.other_client.id)]).mapped("body")),
        )
        (own,) = self.own_subscription.delivery_ids
        data = json.loads(own.body)["data"]
        self.assertEqual(
            (data["reference"], data["ingest_id"], data["registrant"]),
            (request.name, rows.ingest_id, request.registrant_id.uuid),
        )
        self.assertEqual((own.registrant_ids, own.required_scope), (request.registrant_id, "individual:read"))

    def test_submitter_that_may_not_read_the_registrant_is_not_told_who_it_is(self):
        if "legal_basis_enabled" not in self.client._fields:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        rows, request = self._applied("90000702")
        (own,) = self.own_subscription.delivery_ids
        data = json.loads(own.body)["data"]
        self.assertEqual(
            (data["reference"], data["ingest_id"], data["registrant"]), (request.name, rows.ingest_id, None)
        )
        self.assertNotIn(request.registrant_id.uuid, own.body)
        self.assertFalse(own.registrant_ids)
        self.assertFalse(self.other_subscription.delivery_ids)

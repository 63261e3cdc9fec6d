"""The demo `make run` installs shows every screen working: each state a newcomer should meet exists,
made by the code real traffic goes through. A change that breaks the demo fails here."""

import json

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.g2p_partner_api.services import url_guard


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def setUp(self):
        super().setUp()
        self.client = self.env.ref("g2p_partner_api.demo_api_client")
        self.approver = self.env.ref("g2p_partner_ingest.demo_user_approver")

    def _states(self, model, domain=()):
        groups = self.env[model].read_group(list(domain), ["state"], ["state"])
        return {group["state"]: group["state_count"] for group in groups}

    def test_change_requests_in_every_state_from_the_pipeline(self):
        CR = self.env["g2p.change.request"]
        states = self._states("g2p.change.request", [("client_id", "=", self.client.id)])
        for state, at_least in (("pending", 3), ("applied", 1), ("rejected", 1)):
            self.assertGreaterEqual(states.get(state, 0), at_least, state)
        requests = {
            name: self.env.ref(f"g2p_partner_ingest.demo_change_request_{name}")
            for name in ("add", "update", "household", "applied", "rejected")
        }
        self.assertEqual(
            {name: (r.operation, r.target, r.state) for name, r in requests.items()},
            {
                "add": ("add", "individual", "pending"),
                "update": ("update", "individual", "pending"),
                "household": ("add", "group", "pending"),
                "applied": ("add", "individual", "applied"),
                "rejected": ("update", "individual", "rejected"),
            },
        )
        for request in requests.values():
            raw = request.ingest_raw_id
            self.assertEqual((raw.client_id, raw.state), (self.client, "done"), "made by the ingest pipeline")
            self.assertTrue(raw.message_id.startswith("DEMO-INGEST-"))
        update = requests["update"]
        self.assertEqual(update.registrant_id, self.env.ref("g2p_partner_api.demo_individual_04"))
        proposed, current = json.loads(update.proposed_values), json.loads(update.current_values)
        self.assertNotEqual(proposed["family_name"], current["family_name"], "the diff shows a change")
        self.assertEqual(len(json.loads(requests["household"].proposed_values)["members"]), 3)
        # four eyes: reviewed by the demo approver, who did not submit them
        for name in ("applied", "rejected"):
            request = requests[name]
            self.assertEqual(request.reviewer_id, self.approver)
            self.assertNotEqual(request.submitted_by_id, self.approver)
        self.assertTrue(requests["applied"].registrant_id.reg_id_ids.filtered(lambda r: r.value == "100900042"))
        self.assertTrue(requests["rejected"].reason)
        self.assertFalse(CR.search_count([("client_id", "=", self.client.id), ("state", "=", "approved")]))

    def test_failed_ingest_item_with_its_error(self):
        failed = self.env.ref("g2p_partner_ingest.demo_ingest_item_failed")
        self.assertEqual((failed.state, failed.transformation_status), ("failed", "failed"))
        self.assertEqual(failed.error_code, "TRANSFORMATION_FAILED")
        self.assertIn("birthdate", failed.error_message)
        self.assertFalse(failed.change_request_id)

    def test_outbound_deliveries_sent_retrying_failed(self):
        deliveries = self.env["g2p.api.delivery"].search(
            [("client_id", "=", self.client.id), ("event_type", "=", "individual.updated")]
        )
        by_state = {
            state: deliveries.filtered(lambda d, s=state: d.state == s) for state in ("sent", "retrying", "failed")
        }
        for state, found in by_state.items():
            self.assertTrue(found, state)
            self.assertTrue(found.attempt_ids, f"{state}: made by delivery attempts")
        retrying = by_state["retrying"][:1]
        self.assertGreater(retrying.next_retry, fields.Datetime.now(), "its next attempt is later, not a flood")
        pending_jobs = self.env["queue.job"].search(
            [("model_name", "=", "g2p.api.delivery"), ("state", "=", "pending")]
        )
        self.assertIn(retrying, pending_jobs.records)
        self.assertFalse(by_state["failed"].next_retry, "a failed delivery is final")
        self.assertEqual(
            self.env["g2p.api.external.ref"].search([("client_id", "=", self.client.id)]).external_id,
            "SPMIS-P-000117",
            "the callback mapping stored the partner's id from its answer",
        )
        self.assertFalse(
            self.env["ir.config_parameter"].sudo().get_param(url_guard.ALLOWED_HOSTS_PARAM),
            "the demo's local endpoint is not left allow-listed",
        )

    def test_dci_transactions_and_subscription(self):
        transactions = self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)])
        self.assertEqual(
            sorted((t.action, t.mode, t.status) for t in transactions),
            [("search", "async", "succ"), ("search", "sync", "succ"), ("subscribe", "async", "succ")],
        )
        self.assertEqual(set(transactions.delivery_ids.mapped("state")), {"sent"}, "callbacks delivered")
        self.assertTrue(self.env["g2p.dci.subscription"].search([("client_id", "=", self.client.id)]))
        audited = self.env["g2p.api.audit.log"].search([("resource", "like", "/dci/registry/")])
        self.assertGreaterEqual(len(audited), 3, "real calls, audited like any")

    def test_consents_active_withdrawn_expired(self):
        states = self._states("g2p.consent")
        for state in ("active", "withdrawn", "expired"):
            self.assertGreaterEqual(states.get(state, 0), 1, state)
        withdrawn = self.env.ref("g2p_api_consent.demo_consent_withdrawn")
        self.assertEqual(withdrawn.state, "withdrawn")
        self.assertTrue(withdrawn.withdrawn_date and withdrawn.withdraw_reason)
        self.assertEqual(self.env.ref("g2p_api_consent.demo_consent_expired").state, "expired")

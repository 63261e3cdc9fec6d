"""Trust rules of the approval pipeline, attacked the way staff users could (issue #15)."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from ..models import g2p_change_request
from .common import IngestCase

SERVER_SNAPSHOT = (
    "state",
    "registrant_id",
    "submitted_by_id",
    "last_editor_id",
    "editor_ids",
    "reviewer_id",
    "review_date",
    "current_values",
    "ingest_raw_id",
    "proposed_values",
)


def snapshot(request):
    request.invalidate_recordset()
    return {name: request[name] for name in SERVER_SNAPSHOT}


@tagged("post_install", "-at_install")
class TestFourEyesOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    """An approver who created or edited a request cannot approve it alone, whatever context it sends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = cls._user("fe_approver", "base.group_user,g2p_partner_api.group_registry_approver")
        cls.registrant = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Ruth", "family_name": "Banda"}
        )
        # as the pipeline proposes it (server code)
        cls.request = cls.env["g2p.change.request"].create(
            {
                "operation": "update",
                "target": "individual",
                "registrant_id": cls.registrant.id,
                "proposed_values": json.dumps({"given_name": "Ruth", "family_name": "Banda-Renamed"}),
                "current_values": json.dumps({"given_name": "Ruth", "family_name": "Banda"}),
            }
        )

    def test_editor_cannot_self_approve_with_context_flag(self):
        self._as("fe_approver")
        edited = json.dumps({"given_name": "Ruth", "family_name": "Banda-Mine"})
        result, error = self.call_kw("g2p.change.request", "write", [[self.request.id], {"proposed_values": edited}])
        self.assertIsNone(error)
        self.assertEqual(self.request.last_editor_id, self.approver)
        before = snapshot(self.request)
        for context in ({"g2p_auto_approve": True}, {"g2p_auto_approve": True, "active_test": False}):
            result, error = self.call_button("g2p.change.request", "action_approve", [self.request.id], context)
            self.assertEqual(error, "odoo.exceptions.UserError", "four eyes, whatever the context says")
        self.assertEqual(snapshot(self.request), before)
        self.assertEqual((self.request.state, self.registrant.family_name), ("pending", "Banda"))

    def test_creator_cannot_self_approve_with_context_flag(self):
        self._as("fe_approver")
        created, error = self.call_kw(
            "g2p.change.request",
            "create",
            [
                {
                    "operation": "add",
                    "target": "individual",
                    "proposed_values": json.dumps(
                        {
                            "given_name": "Self",
                            "family_name": "Approved",
                            "identifiers": [{"system": "urn:g2p:id:national-id", "value": "98800001"}],
                        }
                    ),
                }
            ],
        )
        self.assertIsNone(error)
        request = self.env["g2p.change.request"].browse(created)
        self.assertEqual(request.submitted_by_id, self.approver)
        result, error = self.call_button(
            "g2p.change.request", "action_approve", [request.id], {"g2p_auto_approve": True}
        )
        self.assertEqual(error, "odoo.exceptions.UserError")
        self.assertEqual(request.state, "pending")
        self.assertFalse(self.env["res.partner"].search([("reg_id_ids.value", "=", "98800001")]))

    def test_server_fields_refused_over_json_rpc(self):
        self._as("fe_approver")
        before = snapshot(self.request)
        other = self.env["res.partner"].create({"is_registrant": True, "given_name": "Other", "family_name": "Person"})
        for vals in (
            {"registrant_id": other.id},
            {"state": "applied"},
            {"last_editor_id": False},
            {"submitted_by_id": self.approver.id},
            {"reviewer_id": self.approver.id},
        ):
            result, error = self.call_kw("g2p.change.request", "write", [[self.request.id], vals])
            self.assertEqual(error, "odoo.exceptions.AccessError", vals)
        self.assertEqual(snapshot(self.request), before)

    def test_only_an_administrator_lets_a_client_send_unsigned(self):
        client = self.env["g2p.api.client"].create({"name": "Field survey", "partner_mnemonic": "SURVEY"})
        self._user("fe_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        self._user("fe_admin", "base.group_user,base.group_system")
        self._as("fe_api_manager")
        result, error = self.call_kw("g2p.api.client", "write", [[client.id], {"ingest_allow_unsigned": True}])
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertFalse(client.ingest_allow_unsigned)
        self._as("fe_admin")
        result, error = self.call_kw("g2p.api.client", "write", [[client.id], {"ingest_allow_unsigned": True}])
        self.assertIsNone(error)
        self.assertTrue(client.ingest_allow_unsigned)

    def test_only_an_administrator_lets_a_data_model_skip_review(self):
        model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        self.assertFalse(model.auto_approve)
        self._user("aa_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        self._user("aa_admin", "base.group_user,base.group_system")
        self._as("aa_api_manager")
        _result, error = self.call_kw("g2p.ingest.data.model", "write", [[model.id], {"auto_approve": True}])
        self.assertEqual(error, "odoo.exceptions.AccessError")
        _result, error = self.call_kw(
            "g2p.ingest.data.model", "create", [{"mnemonic": "SELF_APPROVING", "auto_approve": True}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertFalse(model.auto_approve)
        self.assertFalse(self.env["g2p.ingest.data.model"].search([("mnemonic", "=", "SELF_APPROVING")]))
        _result, error = self.call_kw(
            "g2p.ingest.data.model", "write", [[model.id], {"description": "Persons from the survey"}]
        )
        self.assertIsNone(error, "an API Manager still edits the rest of a data model")
        self._as("aa_admin")
        _result, error = self.call_kw("g2p.ingest.data.model", "write", [[model.id], {"auto_approve": True}])
        self.assertIsNone(error)
        self.assertTrue(model.auto_approve)

    def test_only_an_administrator_switches_dci_signature_checks_off(self):
        if "dci_verify_signature" not in self.env["g2p.api.client"]._fields:
            self.skipTest("g2p_dci_search is not installed")
        client = self.env["g2p.api.client"].create({"name": "SP-MIS", "dci_sender_id": "spmis.fe"})
        self._user("dc_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        self._as("dc_api_manager")
        for vals in ({"dci_verify_signature": False}, {"dci_callback_allow_http": True}):
            _result, error = self.call_kw("g2p.api.client", "write", [[client.id], vals])
            self.assertEqual(error, "odoo.exceptions.AccessError", vals)
        self.assertEqual((client.dci_verify_signature, client.dci_callback_allow_http), (True, False))


@tagged("post_install", "-at_install")
class TestServerOnlyFields(IngestCase):
    """Change requests and ingested items: what records who did what is written by server code only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "tr_officer", groups="g2p_partner_api.group_registry_officer")
        cls.approver = new_test_user(cls.env, "tr_approver", groups="g2p_partner_api.group_registry_approver")
        cls.approver_2 = new_test_user(cls.env, "tr_approver_2", groups="g2p_partner_api.group_registry_approver")
        cls.approver_3 = new_test_user(cls.env, "tr_approver_3", groups="g2p_partner_api.group_registry_approver")
        cls.viewer = new_test_user(cls.env, "tr_viewer", groups="g2p_partner_api.group_registry_viewer")
        cls.existing = cls.env.ref("g2p_partner_api.demo_individual_03")

    def _update_request(self):
        nid = self.existing.reg_id_ids[0].value
        data, rows = self.ingest(
            self.body({"person": self.person(nid=nid, first=self.existing.given_name, last="Renamed")}),
            params={"data_model": "PERSON_JSON"},
        )
        return rows.change_request_id

    def test_officer_cannot_create_with_server_fields(self):
        count = self.CR.search_count([])
        proposal = json.dumps({"given_name": "Hand", "family_name": "Made"})
        for extra in (
            {"submitted_by_id": self.approver.id},
            {"registrant_id": self.existing.id},
            {"state": "approved"},
            {"last_editor_id": self.approver.id},
            {"reviewer_id": self.approver.id},
            {"current_values": "{}"},
            {"operation": "update"},
        ):
            with self.assertRaises(AccessError, msg=extra):
                self.CR.with_user(self.officer).create(
                    dict({"operation": "add", "target": "individual", "proposed_values": proposal}, **extra)
                )
        self.assertEqual(self.CR.search_count([]), count, "nothing created")
        own = self.CR.with_user(self.officer).create(
            {"operation": "add", "target": "individual", "proposed_values": proposal}
        )
        self.assertEqual((own.submitted_by_id, own.state), (self.officer, "pending"))

    def test_officer_cannot_rewrite_who_did_what(self):
        request = self._update_request()
        edited = dict(self.proposed(request), family_name="Edited")
        request.with_user(self.officer).write({"proposed_values": json.dumps(edited)})
        self.assertEqual((request.last_editor_id, request.editor_ids), (self.officer, self.officer))
        before = snapshot(request)
        other = self.env.ref("g2p_partner_api.demo_individual_04")
        for vals in (
            {"last_editor_id": False},
            {"editor_ids": [(5,)]},
            {"registrant_id": other.id},
            {"submitted_by_id": self.approver.id},
            {"state": "approved"},
            {"review_date": "2020-01-01"},
            {"current_values": "{}"},
            {"ingest_raw_id": False},
        ):
            with self.assertRaises(AccessError, msg=vals):
                request.with_user(self.officer).write(vals)
        self.assertEqual(snapshot(request), before)

    def test_every_editor_and_the_submitter_are_refused(self):
        request = self._update_request()
        family_name = self.existing.family_name
        request.with_user(self.approver).write(
            {"proposed_values": json.dumps(dict(self.proposed(request), family_name="A"))}
        )
        request.with_user(self.approver_2).write(
            {"proposed_values": json.dumps(dict(self.proposed(request), family_name="B"))}
        )
        self.assertEqual(request.last_editor_id, self.approver_2)
        for editor in (self.approver, self.approver_2):
            with self.assertRaisesRegex(UserError, "Four eyes"):
                request.with_user(editor).action_approve()
        self.assertEqual((request.state, self.existing.family_name), ("pending", family_name))
        own = self.CR.with_user(self.approver).create(
            {"operation": "add", "target": "individual", "proposed_values": json.dumps({"given_name": "Own"})}
        )
        with self.assertRaisesRegex(UserError, "Four eyes"):
            own.with_user(self.approver).action_approve()
        request.with_user(self.approver_3).action_approve()
        self.assertEqual(
            (request.state, self.existing.family_name, request.reviewer_id), ("applied", "B", self.approver_3)
        )

    def test_proposed_values_frozen_once_reviewed(self):
        request = self._update_request()
        request.with_user(self.approver).action_reject("Not confirmed")
        before = snapshot(request)
        with self.assertRaises(UserError):
            request.with_user(self.officer).write({"proposed_values": "{}"})
        with self.assertRaises(AccessError):
            request.with_user(self.approver).write(
                {"registrant_id": self.env.ref("g2p_partner_api.demo_individual_04").id}
            )
        self.assertEqual(snapshot(request), before)

    def test_bulk_approval_applied_later_rechecks_the_values(self):
        self.patch(g2p_change_request, "BULK_INLINE_LIMIT", 1)
        data, rows = self.ingest(self.body({"person": self.person(nid="98700001", first="Bulk")}))
        data, rows_2 = self.ingest(self.body({"person": self.person(nid="98700002", first="Bulk")}))
        requests = (rows | rows_2).change_request_id
        requests.with_user(self.approver).action_approve()
        self.assertEqual(requests.mapped("state"), ["approved", "approved"])
        tampered = requests[0]
        # whatever path changed it (a direct database write here), the job notices
        self.env.cr.execute(
            "UPDATE g2p_change_request SET proposed_values = %s WHERE id = %s",
            [
                json.dumps(
                    {
                        "given_name": "Swapped",
                        "identifiers": [{"system": "urn:g2p:id:national-id", "value": "98700009"}],
                    }
                ),
                tampered.id,
            ],
        )
        self.env.invalidate_all()
        self.run_jobs()
        self.assertEqual((tampered.state, requests[1].state), ("failed", "applied"))
        self.assertIn("changed after approval", tampered.error_message)
        self.assertFalse(self.env["res.partner"].search([("reg_id_ids.value", "in", ["98700001", "98700009"])]))

    def test_auto_approval_follows_the_request_own_data_model(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="98600001")}))
        request = rows.change_request_id
        self.assertEqual(request.state, "pending")
        request._auto_approve()
        self.assertEqual(request.state, "pending", "PERSON_JSON does not auto-approve")
        self.env.ref("g2p_partner_ingest.data_model_person_json").auto_approve = True
        data, rows = self.ingest(self.body({"person": self.person(nid="98600002")}))
        self.assertEqual(rows.change_request_id.state, "applied")

    def test_ingested_items_staff_cannot_rewrite_what_was_received_and_retry_reruns_it(self):
        data, rows = self.ingest(
            self.body({"person": {"last_name": "No first name"}}), params={"data_model": "PERSON_JSON"}
        )
        self.assertEqual(rows.state, "failed")
        received = rows.payload
        other = self._create_client("Other partner", partner_mnemonic="OTHER")[0]
        fixed = json.dumps({"person": self.person(nid="98500001")})
        for vals in (
            {"payload": fixed},
            {"canonical": json.dumps({"given_name": "Injected"})},
            {"client_id": other.id},
            {"transformation_status": "done"},
            {"change_request_id": False},
        ):
            with self.assertRaises(AccessError, msg=vals):
                rows.with_user(self.officer).write(vals)
        with self.assertRaises(AccessError):
            self.Raw.with_user(self.officer).create({"payload": fixed})
        rows.invalidate_recordset()
        self.assertEqual((rows.payload, rows.client_id, rows.transformation_status), (received, self.client, "failed"))
        with self.assertRaises(AccessError):
            rows.with_user(self.viewer).action_retry()
        with self.assertRaises(UserError, msg="nothing it depends on changed: retrying would fail alike"):
            rows.with_user(self.officer).action_retry()
        # an API Manager edits the data model's transformation: now a retry may turn out otherwise
        model = rows.data_model_id
        model.transformation_template += "{# reviewed #}"
        rows.with_user(self.officer).action_retry()
        self.run_jobs()
        self.assertEqual(
            (rows.payload, rows.state, rows.error_code),
            (received, "failed", "TRANSFORMATION_FAILED"),
            "the retry ran again on what the partner sent",
        )

"""The back office's generic features name no registrant to who may not read her (fifth audit): Odoo's refusals in
debug mode, activities (their document's name, computed as the superuser; marking one done posts on the document as
the superuser) and attachments (moved onto a record one key at a time). Each attack goes through the web client's
JSON-RPC routes as a real user of the role (Bea: a registrant of company B; Ada: of company A) and is refused with
nothing named and nothing changed; staff of the right company still schedule activities and attach files."""

import json
import uuid

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .two_registries import payment_consent, registrant, renaming_request, second_registry, staff_users

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
QUIET = ("odoo.http", "odoo.addons.base.models.ir_rule")


@tagged("post_install", "-at_install")
class TestBackOfficeNamesNoHiddenRegistrant(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env.company
        cls.company_b = second_registry(env, "back office")
        cls.bea = registrant(env, cls.company_b, "Bea", "Zzhiddenb")
        cls.bob = registrant(env, cls.company_b, "Bob", "Zzhiddenb")
        cls.ada = registrant(env, cls.company_a, "Ada", "Zzseena")
        cls.client = env["g2p.api.client"].create({"name": "Zzpartner of the back office"})
        cls.partner_model_id = env["ir.model"]._get_id("res.partner")
        cls.client_model_id = env["ir.model"]._get_id("g2p.api.client")
        cls.parts_of_bea = cls._parts_of_bea(env)
        a, b = cls.company_a, cls.company_b
        cls.staff = (
            staff_users(
                cls, a, internal="bo_employee", viewer="bo_viewer_a", officer="bo_officer_a", api_manager="bo_manager_a"
            )
            | staff_users(cls, b, officer="bo_officer_b", viewer="bo_viewer_b")
            | staff_users(cls, a | b, officer="bo_officer_ab")
        )

    @classmethod
    def _parts_of_bea(cls, env):
        """A consent, a change request and a received item of company B, each naming Bea or its partner."""
        consent = payment_consent(env, cls.bea, cls.client, "FORM-BACK-OFFICE")
        request = renaming_request(env, cls.bea)
        canonical = json.dumps({"given_name": "Bea", "family_name": "Zzhiddenb"})
        raw = env["g2p.ingest.raw"].create(
            {
                "correlation_id": str(uuid.uuid4()),
                "ingest_id": str(uuid.uuid4()),
                "message_id": str(uuid.uuid4()),
                "client_id": cls.client.id,
                "data_model_id": env.ref("g2p_partner_ingest.data_model_person_json").id,
                "payload": canonical,
                "canonical": canonical,
                "company_id": cls.company_b.id,
            }
        )
        return [consent, request, raw]

    def _raw_call(self, model, method, args, kwargs=None, query=""):
        """The JSON-RPC answer as the browser gets it (the error's message and context included)."""
        body = {"id": 0, "jsonrpc": "2.0", "method": "call"}
        body["params"] = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        with mute_logger(*QUIET):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}{query}",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
        self.env.invalidate_all()
        return response.json()

    def _refusal(self, record, query="", context=None):
        answer = self._raw_call(record._name, "read", [record.ids, ["display_name"]], {"context": context or {}}, query)
        self.assertNotIn("result", answer, record)
        self.assertEqual(answer["error"]["data"]["name"], ACCESS_ERROR, record)
        return answer["error"]["data"]

    # --- debug mode names nobody in a refusal --------------------------------------------------------------------

    def test_debug_mode_names_no_hidden_registrant_in_the_refusal(self):
        """Any employee may turn debug mode on (base.group_user implies base.group_no_one): the refusal is the one
        given without it, the same for every hidden registrant (nothing of her is told)."""
        for login in ("bo_employee", "bo_viewer_a"):
            with self.subTest(login=login):
                self._as(login)
                plain = self._refusal(self.bea)["message"]
                debug = self._refusal(self.bea, query="?debug=1")
                self.assertNotIn("Zzhiddenb", debug["message"])
                self.assertNotIn("Blame the following rules", debug["message"])
                self.assertFalse(debug["context"], "no company of hers suggested")
                self.assertEqual(debug["message"], plain)
                self.assertEqual(self._refusal(self.bob, query="?debug=1")["message"], debug["message"])

    def test_debug_mode_names_no_consent_change_request_or_item_of_another_company(self):
        self._as("bo_viewer_a")
        for record in self.parts_of_bea:
            with self.subTest(model=record._name):
                message = self._refusal(record, query="?debug=1")["message"]
                self.assertNotIn("Zzhiddenb", message)
                self.assertNotIn("Zzpartner", message)
                self.assertNotIn(record.sudo().display_name, message)
                self.assertNotIn(f"({record._name}: {record.id}", message)

    def test_a_registrant_the_user_reads_in_another_of_its_companies_is_still_suggested(self):
        """Honest path: staff of companies A and B opening a registrant of B with only A active are told to switch
        (the form does it): she is not hidden from them."""
        self._as("bo_officer_ab")
        refusal = self._refusal(self.bea, query="?debug=1", context={"allowed_company_ids": self.company_a.ids})
        self.assertNotIn("Zzhiddenb", refusal["message"])
        self.assertIn(self.company_b.name, refusal["message"])
        self.assertEqual(refusal["context"]["suggested_company"]["id"], self.company_b.id)

    # --- activities ------------------------------------------------------------------------------------------

    def _activity(self, res_model_id, res_id, **extra):
        values = {"res_model_id": res_model_id, "res_id": res_id, "summary": "Zzcheck", "date_deadline": "2099-01-01"}
        activity_id, error = self.call_kw("mail.activity", "create", [dict(values, **extra)])
        self.assertIsNone(error, "an activity on a record the user may write")
        return self.env["mail.activity"].browse(activity_id)

    def _on_bea(self):
        self.env.invalidate_all()
        on_bea = [("model", "=", "res.partner"), ("res_id", "=", self.bea.id)]
        activities = [("res_model", "=", "res.partner"), ("res_id", "=", self.bea.id)]
        activities = self.env["mail.activity"].with_context(active_test=False).search(activities)
        return self.env["mail.message"].search(on_bea), activities

    def test_an_activity_is_not_moved_onto_a_hidden_registrant(self):
        """Odoo checks only the activity's own rule when it is moved: its document's name (computed as the
        superuser) then named her, and marking it done posted on her chatter as the superuser."""
        for login, res_model_id, res_id in (
            ("bo_officer_a", self.partner_model_id, self.ada.id),
            ("bo_manager_a", self.client_model_id, self.client.id),
        ):
            with self.subTest(login=login):
                self._as(login)
                activity = self._activity(res_model_id, res_id)
                before = self._on_bea()
                for move in ({"res_model_id": self.partner_model_id, "res_id": self.bea.id}, {"res_id": self.bea.id}):
                    with mute_logger("odoo.http"):
                        _result, error = self.call_kw("mail.activity", "write", [activity.ids, move])
                    self.assertEqual(error, USER_ERROR, move)
                rows, error = self.call_kw("mail.activity", "read", [activity.ids, ["res_id", "res_name"]])
                self.assertIsNone(error)
                self.assertEqual(rows[0]["res_id"], res_id)
                self.assertNotIn("zzhiddenb", rows[0]["res_name"].lower())
                _result, error = self.call_kw("mail.activity", "action_feedback", [activity.ids], {"feedback": "Zzok"})
                self.assertIsNone(error, "marking it done still posts on its own document")
                self.assertEqual(self._on_bea(), before)

    def test_an_activity_is_assigned_to_no_one_who_may_not_read_the_registrant(self):
        """The assignee reads the activity, and so the name of its document, whatever its rights on it."""
        employee, viewer_a = self.staff["bo_employee"], self.staff["bo_viewer_a"]
        self._as("bo_officer_b")
        before = self._on_bea()
        for assignee in employee | viewer_a:
            with self.subTest(assignee=assignee.login), mute_logger("odoo.http"):
                values = [
                    {
                        "res_model_id": self.partner_model_id,
                        "res_id": self.bea.id,
                        "user_id": assignee.id,
                        "date_deadline": "2099-01-01",
                    }
                ]
                _activity_id, error = self.call_kw("mail.activity", "create", values)
                self.assertEqual(error, ACCESS_ERROR)
        mine = self._activity(self.partner_model_id, self.bea.id)
        with mute_logger("odoo.http"):
            _result, error = self.call_kw("mail.activity", "write", [mine.ids, {"user_id": employee.id}])
        self.assertEqual(error, ACCESS_ERROR, "nor handed over to one")
        self.assertEqual(mine.user_id.login, "bo_officer_b")
        messages, activities = self._on_bea()
        self.assertEqual((messages, activities - mine), before)
        self._as("bo_employee")
        rows, error = self.call_kw("mail.activity", "search_read", [[("user_id", "=", employee.id)]], {"fields": []})
        self.assertIsNone(error)
        self.assertNotIn("zzhiddenb", str(rows).lower())

    def test_staff_still_schedule_activities_on_the_registrants_they_read(self):
        viewer_b = self.staff["bo_viewer_b"]
        self._as("bo_officer_b")
        activity = self._activity(self.partner_model_id, self.bea.id, user_id=viewer_b.id)
        self.assertEqual(activity.user_id, viewer_b)
        edit = {"summary": "Zzcall her back", "res_id": self.bea.id, "res_model_id": self.partner_model_id}
        _result, error = self.call_kw("mail.activity", "write", [activity.ids, edit])
        self.assertIsNone(error, "the document resent unchanged is no move")
        self._as("bo_viewer_b")
        rows, error = self.call_kw("mail.activity", "read", [activity.ids, ["res_name", "summary"]])
        self.assertIsNone(error)
        self.assertIn("Zzhiddenb", rows[0]["res_name"])
        _result, error = self.call_kw("mail.activity", "action_feedback", [activity.ids], {"feedback": "Zzcalled"})
        self.assertIsNone(error)
        self.assertIn("Zzcalled", str(self._on_bea()[0].mapped("body")))

    # --- attachments -----------------------------------------------------------------------------------------

    def _attachments_on(self, record):
        self.env.invalidate_all()
        on_it = [("res_model", "=", record._name), ("res_id", "=", record.id)]
        return self.env["ir.attachment"].sudo().search(on_it)

    def _attach(self, values):
        attachment_id, error = self.call_kw("ir.attachment", "create", [dict(values, datas="Zm9yZ2Vk")])
        self.assertIsNone(error)
        return attachment_id

    def _moved_one_key_at_a_time(self, record):
        """An attachment of the caller's own, then its model, then the record: the last step is refused."""
        before = self._attachments_on(record)
        attachment_id = self._attach({"name": "zz-signed-form.pdf"})
        _result, error = self.call_kw("ir.attachment", "write", [[attachment_id], {"res_model": record._name}])
        self.assertIsNone(error, "no document yet: nothing to refuse")
        with mute_logger(*QUIET):
            _result, error = self.call_kw("ir.attachment", "write", [[attachment_id], {"res_id": record.id}])
        self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._attachments_on(record), before)

    def test_no_file_is_moved_onto_a_hidden_record_one_key_at_a_time(self):
        """Odoo checked the document an attachment moves to only when one write named both res_model and res_id."""
        self._as("bo_employee")
        self._moved_one_key_at_a_time(self.bea)
        self._as("bo_officer_a")
        for record in [self.bea, *self.parts_of_bea[:2]]:
            with self.subTest(model=record._name):
                self._moved_one_key_at_a_time(record)
        before = self._attachments_on(self.bea)
        attachment_id = self._attach({"name": "zz-evidence.pdf", "res_model": "res.partner", "res_id": self.ada.id})
        with mute_logger(*QUIET):
            _result, error = self.call_kw("ir.attachment", "write", [[attachment_id], {"res_id": self.bea.id}])
        self.assertEqual(error, ACCESS_ERROR, "from a registrant of its company to one of another")
        self.assertEqual(self._attachments_on(self.bea), before)

    def test_staff_still_attach_files_to_the_records_they_write(self):
        self._as("bo_officer_a")
        attachment_id = self._attach({"name": "zz-form.pdf"})
        for step in ({"res_model": "res.partner"}, {"res_id": self.ada.id}, {"name": "zz-form-signed.pdf"}):
            _result, error = self.call_kw("ir.attachment", "write", [[attachment_id], step])
            self.assertIsNone(error, step)
        self.assertEqual(self._attachments_on(self.ada).ids, [attachment_id])

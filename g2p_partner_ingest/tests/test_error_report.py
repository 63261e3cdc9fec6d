"""Why an item failed, in words a person can act on (issue #28): the field's label, the value sent, what is
wrong and what to do; pydantic's text only on the Technical details page; Retry only when it may help."""

import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..services.error_report import ErrorReport
from .common import IngestCase

UNREADABLE_DATE = "17/05/1990"


@tagged("post_install", "-at_install")
class TestErrorReport(IngestCase):
    def test_a_date_not_written_yyyy_mm_dd_is_told_in_words_and_retry_is_refused(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="96100001", dob=UNREADABLE_DATE)}))
        self.assertEqual((rows.state, rows.error_code), ("failed", "TRANSFORMATION_FAILED"))
        self.assertIn("validation error for", rows.error_message, "the raw text is kept for Technical details")
        [detail] = json.loads(rows.error_details)
        self.assertEqual(
            (detail["type"], detail["loc"], detail["input"]), ("date_parsing", ["birthdate"], UNREADABLE_DATE)
        )
        [problem] = ErrorReport(self.env).ingest_problems(rows.error_code, rows.error_message, rows.error_details)
        self.assertEqual(
            problem,
            {
                "field": "Birth date",
                "value": UNREADABLE_DATE,
                "message": "'17/05/1990' is not a date; the partner must send YYYY-MM-DD",
                "action": "Ask the partner to correct and resend the item.",
            },
        )
        self.assertIn("is not a date; the partner must send YYYY-MM-DD", rows.error_report)
        self.assertNotIn("validation error", rows.error_report)
        self.assertNotIn("birthdate", rows.error_report, "the field by its label")
        self.assertFalse(rows.can_retry, "the item cannot change and neither did its data model")
        officer = new_test_user(self.env, "err_officer", groups="g2p_partner_api.group_registry_officer")
        with self.assertRaisesRegex(UserError, "resend"):
            rows.with_user(officer).action_retry()
        rows.invalidate_recordset()
        self.assertEqual((rows.transformation_status, rows.error_code), ("failed", "TRANSFORMATION_FAILED"))
        self.assertTrue(rows.error_details, "nothing was reset by the refused retry")

    def test_an_unknown_code_names_the_field_and_may_be_retried(self):
        data, rows = self.ingest(self.body({"person": dict(self.person(nid="96100002"), country="Malawi")}))
        self.assertEqual(rows.state, "failed")
        [problem] = ErrorReport(self.env).ingest_problems(rows.error_code, rows.error_message, rows.error_details)
        self.assertEqual(
            (problem["field"], problem["value"], problem["message"]),
            ("Country", "Malawi", "'Malawi' is not an ISO 3166-1 country code"),
        )
        self.assertTrue(rows.can_retry, "the registry's codes can change")

    def test_several_problems_missing_and_member_fields(self):
        report = ErrorReport(self.env)
        details = json.dumps(
            [
                {"type": "missing", "loc": ["given_name"], "input": {"family_name": "X"}},
                {"type": "string_blank", "loc": ["members", 1, "family_name"], "input": "  "},
            ]
        )
        missing, blank = report.ingest_problems("TRANSFORMATION_FAILED", "raw", details)
        self.assertEqual((missing["field"], missing["value"]), ("Given name", ""), "no value was sent")
        self.assertIn("Nothing was sent", missing["message"])
        self.assertEqual(blank["field"], "Member 2, Family name")
        self.assertIn("only spaces", blank["message"])

    def test_a_template_error_asks_for_the_data_model_to_be_corrected(self):
        report = ErrorReport(self.env)
        [problem] = report.ingest_problems("TRANSFORMATION_FAILED", "UndefinedError: 'p' is undefined", False)
        self.assertIn("transformation", problem["action"])
        self.assertNotIn("UndefinedError", problem["message"])

    def test_a_change_request_failing_on_a_technical_error_says_so_in_words(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="96100009")}))
        request = rows.change_request_id
        self.assertEqual(request.state, "pending")

        def refused(record, canonical):
            raise ValueError('invalid input syntax for type date: "1990-02-30"')

        self.patch(type(request), "_write_registrant", refused)
        self.assertFalse(request.sudo()._apply())
        self.assertEqual(
            (request.state, request.error_message),
            ("failed", "The registry refused one of the proposed values while writing it."),
        )
        self.assertIn("invalid input syntax", request.error_details, "the technical text, for Technical details")


@tagged("post_install", "-at_install")
class TestErrorReportTour(HttpCase):
    def test_a_person_reads_why_an_item_failed(self):
        client = self.env["g2p.api.client"].create({"name": "Error tour partner", "partner_mnemonic": "ERRTOUR"})
        person = {"first_name": "Grace", "last_name": "Kamau", "dob": UNREADABLE_DATE, "sex": "F"}
        item = {"person": dict(person, national_id="96100003", village="Zomba")}
        raw = self.env["g2p.ingest.raw"].create(
            {
                "correlation_id": "err-tour-corr",
                "ingest_id": "err-tour-item",
                "message_id": "err-tour-msg",
                "client_id": client.id,
                "data_model_id": self.env.ref("g2p_partner_ingest.data_model_person_json").id,
                "payload": json.dumps(item),
                "classification_status": "done",
            }
        )
        self.assertFalse(raw._run_item_step("transformation"), "the pipeline's own step fails it")
        self.assertEqual(raw.state, "failed")
        new_test_user(
            self.env,
            "err_tour_officer",
            password="err_tour_officer_pw",
            groups="base.group_user,g2p_partner_api.group_registry_officer",
        )
        self.start_tour(
            f"/odoo/action-g2p_partner_ingest.action_ingest_raw/{raw.id}",
            "g2p_ingest_error_report",
            login="err_tour_officer",
        )

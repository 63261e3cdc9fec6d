import time

from odoo.tests import tagged

from .common import IngestCase

WRITTEN_MODELS = ("g2p.ingest.raw", "g2p.change.request", "res.partner", "queue.job")


@tagged("post_install", "-at_install")
class TestIngestDryRun(IngestCase):
    def _counts(self):
        return {model: self.env[model].with_context(active_test=False).search_count([]) for model in WRITTEN_MODELS}

    def dry_run(self, body, params=None):
        before = self._counts()
        response = self.post(body, dict(params or {}, dry_run="true"))
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        self.assertEqual(self._counts(), before, "a dry run writes nothing and enqueues no job")
        return response.json()

    def test_add_update_and_errors_per_item_nothing_written(self):
        self.env.ref("g2p_partner_ingest.data_model_person_json").copy(
            {
                "mnemonic": "PERSON_LIST",
                "is_list": True,
                "key_path_list_elements": "$.body.message.people",
                "transformation_template": self.env.ref(
                    "g2p_partner_ingest.data_model_person_json"
                ).transformation_template.replace("{% set p = item.person %}", "{% set p = item %}"),
                "detection_pattern_ids": False,
            }
        )
        existing = self.env.ref("g2p_partner_api.demo_individual_03")
        people = [
            self.person(nid="97000001"),
            self.person(nid=existing.reg_id_ids[0].value, first=existing.given_name),
            {"last_name": "No first name"},
            "not an object",
        ]
        data = self.dry_run(self.body({"people": people}), {"data_model": "person_list"})
        header, payload = data["response_header"], data["response_payload"]
        self.assertEqual((header["response_status"], header["correlation_id"]), ("SUCCESS", None))
        self.assertEqual(
            (payload["dry_run"], payload["data_model"], payload["duplicate"], payload["item_count"]),
            (True, "PERSON_LIST", False, 4),
        )
        add, update, invalid, not_object = payload["items"]
        self.assertEqual((add["operation"], add["registrant"], add["error_code"]), ("ADD", None, None))
        self.assertEqual(add["canonical"]["given_name"], "Grace")
        self.assertIn(
            {"system": existing.reg_id_ids[0].id_type_id.namespace_uri, "value": "97000001"},
            add["canonical"]["identifiers"],
        )
        self.assertEqual((update["operation"], update["registrant"]), ("UPDATE", existing.uuid))
        self.assertEqual((invalid["operation"], invalid["error_code"]), (None, "TRANSFORMATION_FAILED"))
        self.assertEqual(not_object["error_code"], "CLASSIFICATION_FAILED")
        audit = self._audit_rows(resource="/partner/ingest_data")
        self.assertEqual((audit.action, audit.outcome, audit.actor), ("POST /ingest_data (dry run)", "success", "KOBO"))

    def test_same_outcome_as_the_pipeline_and_message_id_still_usable(self):
        body = self.body({"person": self.person(nid="97000002")})
        dry = self.dry_run(body)["response_payload"]["items"][0]
        data, rows = self.ingest(body)
        self.assertFalse(data["response_payload"].get("duplicate"), "the dry run did not use the message id up")
        self.assertEqual(len(rows), 1)
        request = rows.change_request_id
        self.assertEqual((dry["operation"], dry["canonical"]), (request.operation.upper(), self.proposed(request)))
        # the same message again: a dry run says a real call would be a duplicate
        again = self.dry_run(body)["response_payload"]
        self.assertEqual(
            (again["duplicate"], again["correlation_id"], again["items"]),
            (True, data["response_header"]["correlation_id"], []),
        )

    def test_every_check_still_applies(self):
        message = {"person": self.person(nid="97000003")}
        for body, params, code in (
            (self.body(message, sign=False), {}, "INVALID_REQUEST"),
            (self.body(message, sender="STRANGER"), {}, "PARTNER_NOT_REGISTERED"),
            (self.body({"unknown": 1}), {}, "DATA_MODEL_NOT_FOUND"),
            (self.body(message, issued_at=time.time() - 3600), {}, "REQUEST_VALIDATION_ERROR"),
            (self.body(message), {"register_id": "group", "intake_form_id": "PERSON_JSON"}, "INVALID_REQUEST"),
        ):
            data = self.dry_run(body, params)
            self.assertEqual(
                (data["response_header"]["response_status"], data["response_header"]["error_code"]),
                ("ERROR", code),
                body,
            )
        # a signature made for another message id is refused as for a real call
        replayed = self.body(message)
        replayed["header"]["message_id"] = "another-message"
        self.assertEqual(self.dry_run(replayed)["response_header"]["error_code"], "REQUEST_VALIDATION_ERROR")
        audit = self._audit_rows(resource="/partner/ingest_data")
        self.assertEqual(set(audit.mapped("action")), {"POST /ingest_data (dry run)"})
        self.assertEqual(set(audit.mapped("outcome")), {"failure"})

    def test_bypass_and_documented(self):
        data = self.dry_run(
            self.body({"person": self.person(nid="97000004")}),
            {"register_id": "individual", "intake_form_id": "PERSON_JSON"},
        )
        self.assertEqual(data["response_payload"]["items"][0]["operation"], "ADD")
        with self._api() as api:
            spec = api.get("/partner/openapi.json").json()
        params = {p["name"] for p in spec["paths"]["/ingest_data"]["post"]["parameters"]}
        self.assertIn("dry_run", params)
        self.assertIn("DryRunPayload", spec["components"]["schemas"])

import hashlib
import json
import uuid
from unittest.mock import patch

import psycopg2

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .test_follow_submissions import FollowCase
from .test_ingest_file import csv_file

KIND = "urn:g2p:vocab:group-membership-kind"
NID = "55500771"


@tagged("post_install", "-at_install")
class TestConsentWithdrawnBeforeApply(FollowCase):
    """A person's consent withdrawn between the call that names them (a file upload, a JSON item) and the jobs that
    take the items to the register: the jobs honour the withdrawal, also when they run or are retried later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "legal_basis_enabled" not in cls.Client._fields:
            cls.skipTest(cls, "g2p_api_consent is not installed")
        cls.client.write(
            {"legal_basis_enabled": False, "scope_ids": [(4, cls.env.ref("g2p_partner_api.scope_group_read").id)]}
        )
        cls.known = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Tiyamike",
                "family_name": "Zzwithdrawn",
                "city": "Dedza",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_national_id").id, "value": NID})
                ],
            }
        )
        scopes = cls.env["g2p.api.scope"].search([("code", "in", ["individual:read", "group:read"])])
        cls.consent = cls.env["g2p.consent"].create(
            {
                "partner_id": cls.known.id,
                "client_id": cls.client.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, scopes.ids)],
                "evidence_reference": "FORM-77",
            }
        )
        # no person between the partner and the register: what the jobs let through is applied
        cls.env.ref("g2p_partner_ingest.data_model_rest_group").auto_approve = True

    def _register(self):
        self.env.invalidate_all()
        return (
            self.known.read(["given_name", "family_name", "city", "active"]),
            self.known.group_membership_ids.ids,
            self.env["res.partner"].search_count([("name", "=", "Zzwithdrawn household")]),
        )

    def _household(self, member):
        return {
            "name": "Zzwithdrawn household",
            "identifiers": [{"system": "urn:g2p:id:household-id", "value": "HH-WD-1"}],
            "members": [{"individual": member, "kinds": [{"system": KIND, "code": "head"}]}],
        }

    def _perform(self, method):
        """The pending jobs of one step (``_run_transformation``, ...) performed as the runner performs them."""
        jobs = self.env["queue.job"].search([("state", "=", "pending"), ("method_name", "=", method)])
        self.assertTrue(jobs, f"a {method} job is queued")
        for record in jobs:
            job = Job.load(self.env, record.uuid)
            job.set_started()
            job.perform()
            job.set_done()
            job.store()

    def _upload(self, content, dry_run=False):
        message_id = str(uuid.uuid4())
        message = {"data_model": "PERSON_JSON", "sha256": hashlib.sha256(content).hexdigest(), "file_name": "x.csv"}
        manifest = {
            "header": {"message_id": message_id, "sender_id": "KOBO"},
            "message": message,
            "signature": self.signature(message, self.key, message_id),
        }
        with self._api() as api:
            response = api.post(
                "/partner/ingest_file",
                files={"file": ("x.csv", content, "text/csv")},
                data={"manifest": json.dumps(manifest)},
                params={"dry_run": "true"} if dry_run else {},
            )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_file_row_updating_a_person_whose_consent_is_withdrawn_before_the_jobs_run(self):
        """The row still proposes its change to a person (updates always wait for one), but the sender is no longer
        told whom it matched: the answer of someone it may not read, and nothing written."""
        content = csv_file([["Tiyamike", "Zzwithdrawn", "1990-01-01", "F", NID, "Lilongwe", ""]])
        (dry,) = self._upload(content, dry_run=True)["response_payload"]["items"]
        self.assertEqual((dry["operation"], dry["registrant"]), ("UPDATE", self.known.uuid), "told while consented")
        before = self._register()
        accepted = self._upload(content)
        self.consent.action_withdraw("Asked the field officer to stop")
        self.run_jobs()
        rows = self.Raw.search([("correlation_id", "=", accepted["response_header"]["correlation_id"])])
        self.assertEqual((rows.state, rows.change_request_id.state), ("done", "pending"))
        self.assertEqual(self._register(), before, "nothing written without a person")
        item = self.status_of(rows)
        self.assertEqual((item["operation"], item["registrant"]), ("ADD_OR_UPDATE", None))
        self.assertNotIn(self.known.uuid, json.dumps(item))

    def test_household_naming_a_member_whose_consent_is_withdrawn_before_the_jobs_run(self):
        before = self._register()
        response = self.post(self.body(self._household(self.known.uuid)), {"data_model": "REST_GROUP"})
        self.assertEqual(response.status_code, 200, response.text)
        self.consent.action_withdraw("No longer")
        self.run_jobs()
        rows = self.Raw.search([("correlation_id", "=", response.json()["response_header"]["correlation_id"])])
        self._assert_refused_as_unknown(rows)
        self.assertEqual(self._register(), before)

    def test_ingestion_retried_after_the_withdrawal_fails_the_item_alike(self):
        """The item passed its transformation while the member's consent was in force; its ingestion job failed on a
        transient error and is retried after the withdrawal: the retry refuses the member as an unknown uuid."""
        before = self._register()
        response = self.post(self.body(self._household(self.known.uuid)), {"data_model": "REST_GROUP"})
        self.assertEqual(response.status_code, 200, response.text)
        rows = self.Raw.search([("correlation_id", "=", response.json()["response_header"]["correlation_id"])])
        self._perform("_run_classification")
        self._perform("_run_transformation")
        self.assertEqual((rows.transformation_status, rows.ingestion_status), ("done", "pending"))
        (record,) = self.env["queue.job"].search([("state", "=", "pending"), ("method_name", "=", "_run_ingestion")])
        job = Job.load(self.env, record.uuid)
        job.set_started()
        with patch.object(type(self.CR), "_propose", side_effect=psycopg2.OperationalError("connection lost")):
            with self.assertRaises(RetryableJobError):
                job.perform()
        # what the runner does with a retryable failure: back to pending, later
        job.postpone(result="connection lost")
        job.set_pending(reset_retry=False)
        job.store()
        self.assertEqual(self._register(), before)
        self.consent.action_withdraw("No longer")
        self.run_jobs()
        self._assert_refused_as_unknown(rows)
        self.assertEqual(self._register(), before, "the member was not put in a household")

    def _assert_refused_as_unknown(self, rows):
        """The item failed as one naming a uuid nobody holds fails (docs: REST_GROUP), and nothing was proposed."""
        self.assertEqual(
            (rows.state, rows.error_code, rows.change_request_id.id), ("failed", "TRANSFORMATION_FAILED", False)
        )
        self.assertEqual(rows.error_message, f"members[0].individual: unknown individual {self.known.uuid}.")
        item = self.status_of(rows)
        self.assertEqual((item["state"], item["registrant"]), ("failed", None))
        self.assertNotIn("consent", json.dumps(item).lower())

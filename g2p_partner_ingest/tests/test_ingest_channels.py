"""Each pipeline step runs on the channel its queue.job.function names, as queue_job intends."""

from odoo.tests import tagged

from .common import IngestCase


@tagged("post_install", "-at_install")
class TestIngestChannels(IngestCase):
    def queued_channels(self, rows):
        jobs = self.env["queue.job"].search([("model_name", "=", "g2p.ingest.raw"), ("state", "=", "pending")])
        return {(job.method_name, job.channel) for job in jobs if job.records & rows}

    def test_each_step_is_queued_on_the_channel_of_its_job_function(self):
        data, _rows = self.ingest(self.body({"person": self.person()}), {"data_model": "PERSON_JSON"})
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS", data)
        done = self.env["queue.job"].search([("model_name", "=", "g2p.ingest.raw"), ("state", "=", "done")])
        self.assertLessEqual(
            {
                ("_run_classification", "root.g2p_ingest.classification"),
                ("_run_transformation", "root.g2p_ingest.transformation"),
                ("_run_ingestion", "root.g2p_ingest.ingestion"),
            },
            {(job.method_name, job.channel) for job in done},
        )

    def test_an_administrator_moves_a_step_to_another_channel_on_its_job_function(self):
        slow = self.env["queue.job.channel"].create(
            {"name": "slow_lane", "parent_id": self.env.ref("queue_job.channel_root").id}
        )
        self.env.ref("g2p_partner_ingest.job_function_ingest_classification").channel_id = slow
        response = self.post(self.body({"person": self.person("90000077")}), {"data_model": "PERSON_JSON"})
        self.assertEqual(response.json()["response_header"]["response_status"], "SUCCESS", response.text)
        rows = self.Raw.search([("correlation_id", "=", response.json()["response_header"]["correlation_id"])])
        self.assertEqual(self.queued_channels(rows), {("_run_classification", "root.slow_lane")})

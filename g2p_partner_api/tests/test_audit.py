import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import G2PApiCase
from .http_receiver import Receiver


@tagged("post_install", "-at_install")
class TestAuditForwardingAndRetention(G2PApiCase):
    def test_forwarded_through_queue_job_as_cloudevents(self):
        client, secret = self._create_client("Audited", scopes=["program:read"])
        with Receiver() as receiver:
            self.env["ir.config_parameter"].set_param("g2p_partner_api.audit_forward_url", receiver.url + "/audit")
            with self._api() as api:
                self.assertEqual(api.get("/api/v2/Program", headers=self._auth(client, secret)).status_code, 200)
                self.assertEqual(api.get("/api/v2/Program").status_code, 401)
            rows = self._audit_rows(resource="/api/v2/Program")
            self.assertEqual(sorted(rows.mapped("outcome")), ["failure", "success"])
            self.assertFalse(any(rows.mapped("forwarded")), "the answer never waits for the audit service")
            self.run_jobs(["g2p.api.audit.log"])
            events = [json.loads(r["body"]) for r in receiver.requests if r["path"] == "/audit"]
        forwarded = [e for e in events if e["data"]["resource"] == "/api/v2/Program"]
        self.assertEqual(len(forwarded), 2)
        self.assertEqual({e["specversion"] for e in forwarded}, {"1.0"})
        self.assertEqual({e["data"]["outcome"] for e in forwarded}, {"success", "failure"})
        self.assertTrue(all(rows.mapped("forwarded")))

    def test_retention_cron_purges_old_rows_only(self):
        Audit = self.env["g2p.api.audit.log"]
        old = Audit.create({"actor": "old", "time": fields.Datetime.now() - timedelta(days=400)})
        recent = Audit.create({"actor": "recent"})
        self.env["ir.config_parameter"].set_param("g2p_partner_api.audit_retention_days", "365")
        Audit._cron_purge()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

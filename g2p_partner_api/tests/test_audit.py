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
            bodies = [r["body"] for r in receiver.requests if r["path"] == "/audit"]
            events = [json.loads(body) for body in bodies]
        forwarded = [e for e in events if e["data"]["resource"] == "/api/v2/Program"]
        self.assertEqual(len(forwarded), 2)
        self.assertEqual({e["specversion"] for e in forwarded}, {"1.0"})
        self.assertEqual({e["data"]["outcome"] for e in forwarded}, {"success", "failure"})
        self.assertTrue(all(rows.mapped("forwarded")))
        [success] = [e for e in forwarded if e["data"]["outcome"] == "success"]
        self.assertIsNone(success["data"]["error_code"], "no error code is null, not false")
        self.assertNotIn(False, success["data"].values(), "no value the row lacks is told as false")
        self.assertFalse([body for body in bodies if b"false" in (body if isinstance(body, bytes) else body.encode())])

    def test_audit_list_names_the_client_once(self):
        client, secret = self._create_client("Named client", scopes=["program:read"])
        with self._api() as api:
            self.assertEqual(api.get("/api/v2/Program", headers=self._auth(client, secret)).status_code, 200)
        [row] = self._audit_rows(resource="/api/v2/Program")
        self.assertEqual(row.caller, "Named client")
        arch = self.env["g2p.api.audit.log"].get_view(view_type="list")["arch"]
        self.assertIn('name="caller"', arch)
        self.assertRegex(arch, r'name="actor"[^>]*optional="hide"', "the client's id is not shown beside its name")

    def test_retention_cron_purges_old_rows_only(self):
        Audit = self.env["g2p.api.audit.log"]
        old = Audit.create({"actor": "old", "time": fields.Datetime.now() - timedelta(days=400)})
        recent = Audit.create({"actor": "recent"})
        self.env["ir.config_parameter"].set_param("g2p_partner_api.audit_retention_days", "365")
        Audit._cron_purge()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

"""Audit rows and DCI transactions belong to the company of the endpoint that served the call. They name what a
partner asked and received (registrant reference ids, correlation ids, the items of a DCI search, a subscription's
filter): an API Manager of company A read every company's, through the web client's JSON-RPC routes."""

import importlib.util

from odoo.tests import HttpCase, tagged
from odoo.tools import file_path, mute_logger

from odoo.addons.g2p_dci_search.tests.common import DciCase
from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .two_registries import registrant, second_registry, staff_users

ACCESS_ERROR = "odoo.exceptions.AccessError"
# what each model discloses, read in the attacks
DISCLOSING = {
    "g2p.api.audit.log": ["reference_ids", "correlation_id", "resource"],
    "g2p.dci.transaction": ["message_id", "correlation_id", "sender_id"],
    "g2p.dci.transaction.item": ["reference_id", "status_reason_message"],
    "g2p.dci.subscription": ["filter_json"],
}


def run_migration(env, path):
    spec = importlib.util.spec_from_file_location(path.replace("/", "_"), file_path(path))
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.migrate(env.cr, "18.0.1.0.0")
    env.invalidate_all()


@tagged("post_install", "-at_install")
class TestAuditAndDciOfTheirCompany(JsonRpcAttackMixin, DciCase, HttpCase):
    """The DCI endpoint works for company B; the REST endpoint (the token calls) for company A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = second_registry(cls.env, "audit")
        cls._move_endpoint(cls.endpoint, cls.company_b)
        registrant(cls.env, cls.company_b, "Bea", "Zzaudited", national_id="77100001")
        staff_users(cls, cls.company_a, api_manager="auditco_manager_a", admin="auditco_admin_a")
        staff_users(cls, cls.company_b, api_manager="auditco_manager_b")

    def _search_through_b(self):
        """A DCI search for B's Bea by national id, through B's endpoint: {model: its rows of the call}."""
        item = self.item("idtype-value", {"type": "UIN", "value": "77100001"}, reference_id="auditco-ref-1")
        response = self.search(self.envelope([item]))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["message"]["search_response"][0]["status"], "succ", response.text)
        transaction = self.env["g2p.dci.transaction"].search(
            [("message_id", "=", response.json()["header"]["message_id"])]
        )
        subscription = self.env["g2p.dci.subscription"].create(
            {
                "client_id": self.client.id,
                "transaction_id": transaction.id,
                "register_id": self.env.ref("g2p_dci_search.register_individual").id,
                "reg_event_type": "UPDATE",
                "event_code": "UPDATE",
                "filter_json": '{"expression": [{"attribute_name": "UIN", "attribute_value": "77100001"}]}',
            }
        )
        return {
            "g2p.api.audit.log": self._audit_rows(source="/dci", correlation_id=transaction.correlation_id),
            "g2p.dci.transaction": transaction,
            "g2p.dci.transaction.item": transaction.item_ids,
            "g2p.dci.subscription": subscription,
        }

    def _snapshot(self, rows):
        self.env.invalidate_all()
        return {
            model: records.sudo().read([*DISCLOSING[model], *(["company_id"] if "company_id" in records else [])])
            for model, records in rows.items()
        }

    def test_rows_of_a_call_are_the_serving_endpoints_company(self):
        rows = self._search_through_b()
        audit, transaction = rows["g2p.api.audit.log"], rows["g2p.dci.transaction"]
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit.reference_ids, "auditco-ref-1", "what the row discloses")
        self.assertEqual(transaction.item_ids.mapped("reference_id"), ["auditco-ref-1"])
        self.assertEqual(
            (audit.company_id, transaction.company_id, transaction.item_ids.company_id),
            (self.company_b, self.company_b, self.company_b),
        )
        token_call = self._audit_rows(source="/api/v2", client_id=self.client.id)
        self.assertTrue(token_call)
        self.assertEqual(token_call.company_id, self.company_a, "the REST endpoint works for A")
        # the registry's own events are no company's: clients are every company's
        self.client.rate_limit_per_minute = 120
        setting = self._audit_rows(source="odoo", client_id=self.client.id, action="change rate_limit_per_minute")
        self.assertEqual((len(setting), setting.company_id.id), (1, False))

    @mute_logger("odoo.http")
    def test_api_manager_of_another_company_reads_none_of_them(self):
        rows = self._search_through_b()
        before = self._snapshot(rows)
        self._as("auditco_manager_a")
        for model, records in rows.items():
            with self.subTest(model=model):
                found, error = self.call_kw(model, "search_read", [[("id", "in", records.ids)], DISCLOSING[model]])
                self.assertEqual((found, error), ([], None))
                by_client = [[("id", "in", records.ids)], ["client_id"], ["client_id"]]
                grouped, error = self.call_kw(model, "read_group", by_client)
                self.assertEqual((grouped, error), ([], None))
                _read, error = self.call_kw(model, "read", [records.ids, DISCLOSING[model]])
                self.assertEqual(error, ACCESS_ERROR)
        # a row is placed by the server only: nobody moves B's row to A
        _written, error = self.call_kw(
            "g2p.api.audit.log", "write", [rows["g2p.api.audit.log"].ids, {"company_id": self.company_a.id}]
        )
        self.assertEqual(error, ACCESS_ERROR)
        _done, error = self.call_button("g2p.dci.subscription", "action_unsubscribe", rows["g2p.dci.subscription"].ids)
        self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._snapshot(rows), before, "B's rows unchanged")
        self.assertEqual(rows["g2p.dci.subscription"].state, "subscribe")

    @mute_logger("odoo.http")
    def test_each_company_reads_its_own_and_the_registrys_events(self):
        rows = self._search_through_b()
        self.client.rate_limit_per_minute = 120
        setting = self._audit_rows(source="odoo", client_id=self.client.id)
        token_calls = self._audit_rows(source="/api/v2", client_id=self.client.id)
        # a call received before the field whose endpoint is gone: nothing tells whose it was
        unplaced = self.env["g2p.api.audit.log"]._record(
            {"source": "/api/v1", "client_id": self.client.id, "action": "GET", "reference_ids": "auditco-old"}
        )
        self.assertFalse(unplaced.company_id)
        expected = {
            "auditco_manager_b": {
                **{model: records.ids for model, records in rows.items()},
                "g2p.api.audit.log": sorted((rows["g2p.api.audit.log"] | setting).ids),
            },
            "auditco_manager_a": {"g2p.api.audit.log": sorted((token_calls | setting).ids)},
            "auditco_admin_a": {"g2p.api.audit.log": sorted((token_calls | setting | unplaced).ids)},
        }
        candidates = {
            **{model: records.ids for model, records in rows.items()},
            "g2p.api.audit.log": (rows["g2p.api.audit.log"] | setting | token_calls | unplaced).ids,
        }
        for login, readable in expected.items():
            self._as(login)
            for model, ids in candidates.items():
                with self.subTest(login=login, model=model):
                    found, error = self.call_kw(model, "search_read", [[("id", "in", ids)], DISCLOSING[model]])
                    self.assertIsNone(error)
                    self.assertEqual(sorted(row["id"] for row in found), readable.get(model, []))
        self._as("auditco_manager_b")
        found, _error = self.call_kw("g2p.api.audit.log", "read", [rows["g2p.api.audit.log"].ids, ["reference_ids"]])
        self.assertEqual(found[0]["reference_ids"], "auditco-ref-1")

    def test_the_migration_places_rows_by_their_endpoint(self):
        rows = self._search_through_b()
        audit, transaction = rows["g2p.api.audit.log"], rows["g2p.dci.transaction"]
        unplaced = self.env["g2p.api.audit.log"]._record({"source": "/api/v1", "client_id": self.client.id})
        # an item received before 18.0.1.2.0 through B's ingest endpoint, and one whose call's row was purged
        Raw = self.env["g2p.ingest.raw"].sudo()
        raw_common = {
            "client_id": self.client.id,
            "message_id": "auditco-msg",
            "data_model_id": self.env.ref("g2p_partner_ingest.data_model_person_json").id,
            "payload": "{}",
        }
        raw, purged = Raw.create(
            [
                dict(raw_common, correlation_id="auditco-ingest-1", ingest_id="auditco-1"),
                dict(raw_common, correlation_id="auditco-ingest-2", ingest_id="auditco-2"),
            ]
        )
        self.env["g2p.api.audit.log"]._record(
            {"source": "/partner", "client_id": self.client.id, "correlation_id": "auditco-ingest-1"}
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE g2p_api_audit_log SET company_id = NULL WHERE id IN %s", [tuple((audit | unplaced).ids)]
        )
        self.env.cr.execute("UPDATE g2p_dci_transaction SET company_id = NULL WHERE id = %s", [transaction.id])
        self.env.cr.execute(
            "UPDATE g2p_dci_transaction_item SET company_id = NULL WHERE transaction_id = %s", [transaction.id]
        )
        self.env.cr.execute("UPDATE g2p_ingest_raw SET company_id = NULL WHERE id IN %s", [tuple((raw | purged).ids)])
        self._move_endpoint(self.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest"), self.company_b)
        self.env.flush_all()
        run_migration(self.env, "g2p_partner_api/migrations/18.0.1.3.0/post-migrate.py")
        run_migration(self.env, "g2p_dci_search/migrations/18.0.1.1.0/post-migrate.py")
        run_migration(self.env, "g2p_partner_ingest/migrations/18.0.1.3.0/post-migrate.py")
        self.assertEqual(
            (audit.company_id, transaction.company_id, transaction.item_ids.company_id),
            (self.company_b, self.company_b, self.company_b),
        )
        self.assertFalse(unplaced.company_id, "no endpoint at /api/v1: administrators' only")
        self.assertEqual((raw.company_id, purged.company_id.id), (self.company_b, False))

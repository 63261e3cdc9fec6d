import json
import re

from odoo.tests import TransactionCase, tagged

from ..services.suite_names import is_suite_module


@tagged("post_install", "-at_install")
class TestRecordNames(TransactionCase):
    """Breadcrumbs and many2one tags name records the way staff speak, not by uuid."""

    def test_audit_row_names_the_call_and_its_caller(self):
        row = self.env["g2p.api.audit.log"]._record(
            {"actor": "spmis", "action": "GET /api/v2/Individual", "outcome": "success", "status_code": 200}
        )
        self.assertRegex(row.display_name, r"^GET /api/v2/Individual by spmis, .*\d")
        self.assertNotIn(row.event_id, row.display_name)
        event = json.loads(row.cloudevent_pretty)
        self.assertEqual((event["id"], event["data"]["actor"]), (row.event_id, "spmis"))
        self.assertIn('\n  "specversion": "1.0"', row.cloudevent_pretty, "indented for reading")

    def test_scope_by_code_for_clients_by_description_for_registrants(self):
        scope = self.env.ref("g2p_partner_api.scope_individual_read")
        self.assertEqual(scope.display_name, "individual:read")
        self.assertEqual(scope.with_context(g2p_scope_label="description").display_name, "Read individuals")
        found = self.env["g2p.api.scope"].name_search("Read individuals")
        self.assertIn(scope.id, [scope_id for scope_id, _name in found])

    def test_labels_spell_acronyms(self):
        """No label of the suite's fields spells an acronym as a word ("Target Url", "Namespace Uri")."""
        wrong = re.compile(r"\b(Url|Uri|Http|Json|Id|Orm|Dci|Api|Jwks|Uuid|Hmac|Pem|Jws)\b")
        found = [
            f"{model}.{name}: {field.string}"
            for model in self.env.registry
            for name, field in self.env[model]._fields.items()
            if is_suite_module(getattr(field, "_module", None) or "") and wrong.search(field.string or "")
        ]
        self.assertEqual(found, [])
        self.assertEqual(self.env["g2p.api.subscription"]._fields["target_url"].string, "Target URL")
        self.assertEqual(self.env["g2p.id.type"]._fields["namespace_uri"].string, "Namespace URI")

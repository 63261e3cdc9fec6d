import json

from odoo.tests import tagged

from .common import IngestCase


@tagged("post_install", "-at_install")
class TestIngestRawDisplay(IngestCase):
    """A received item is named by its data model, position and sender; its JSON is shown indented."""

    def test_name_and_formatted_payloads(self):
        _data, row = self.ingest(self.body({"person": self.person(nid="95000001")}))
        self.assertRegex(row.display_name, rf"^{row.data_model_id.mnemonic} item 1 from Kobo collect, .*\d")
        self.assertNotIn(row.ingest_id, row.display_name)
        self.assertEqual(json.loads(row.payload_pretty), json.loads(row.payload), "same JSON, only indented")
        self.assertIn("\n  ", row.payload_pretty)
        self.assertEqual(json.loads(row.canonical_pretty), json.loads(row.canonical))

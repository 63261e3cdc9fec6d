"""docs/architecture.md names every model the suite defines, so the next reader finds each one there."""

from pathlib import Path

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parents[3]
SUITE_ADDONS = ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search")


@tagged("post_install", "-at_install")
class TestArchitectureDoc(TransactionCase):
    def test_every_model_of_the_suite_is_in_the_architecture(self):
        defined = {name for name, model in self.env.registry.items() if model._original_module in SUITE_ADDONS}
        self.assertIn("g2p.change.request.duplicate", defined)  # the registry is what is read, not a guess
        text = (ROOT / "docs" / "architecture.md").read_text()
        missing = sorted(name for name in defined if f"`{name}`" not in text)
        self.assertFalse(missing, "models missing from docs/architecture.md")

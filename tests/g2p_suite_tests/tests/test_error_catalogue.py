"""docs/errors.md lists every error code of the suite: each code constant is a row of its tables."""

import re
from pathlib import Path

import yaml

from odoo.tests import TransactionCase, tagged

from odoo.addons.g2p_api_consent.services import consent_recording
from odoo.addons.g2p_dci_search.services import dci_envelope
from odoo.addons.g2p_partner_api.services import api_errors, problem_details
from odoo.addons.g2p_partner_ingest.services import ingest_envelope

ROOT = Path(__file__).resolve().parents[3]
ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


@tagged("post_install", "-at_install")
class TestErrorCatalogue(TransactionCase):
    def documented(self):
        return set(ROW.findall((ROOT / "docs" / "errors.md").read_text()))

    def test_every_code_constant_is_in_the_table(self):
        constants = {
            "REST problem codes": set(problem_details.PROBLEM_TITLES) | set(problem_details.HTTP_CODES.values()),
            "consent problem codes": {consent_recording.RECIPIENT_FORBIDDEN, consent_recording.SCOPE_FORBIDDEN},
            "field codes": set(problem_details.FIELD_CODES) | set(problem_details.PYDANTIC_CODES.values()),
            "OAuth errors": set(api_errors.OAUTH_ERRORS) | set(api_errors.BEARER_ERRORS),
            "ingest envelope codes": set(ingest_envelope.ERROR_CODES),
            "DCI codes": set(
                dci_envelope.ERROR_CODES + dci_envelope.HEADER_REASON_CODES + dci_envelope.ITEM_REASON_CODES
            ),
        }
        documented = self.documented()
        for kind, codes in constants.items():
            self.assertFalse(codes - documented, f"{kind} missing from docs/errors.md")

    def test_every_problem_code_has_a_title(self):
        self.assertLessEqual(set(problem_details.HTTP_CODES.values()), set(problem_details.PROBLEM_TITLES))

    def test_dci_codes_are_the_spec_enums(self):
        spec = yaml.safe_load((ROOT / "g2p_dci_search" / "spec" / "social_api_v1.0.0.yaml").read_text())
        schemas = spec["components"]["schemas"]
        self.assertLessEqual(set(dci_envelope.ERROR_CODES), set(schemas["Error"]["properties"]["code"]["enum"]))
        self.assertLessEqual(set(dci_envelope.HEADER_REASON_CODES), set(schemas["MsgHeaderStatusReasonCode"]["enum"]))
        item_enums = set()
        for name, schema in schemas.items():
            if name.endswith("StatusReasonCode") and "enum" in schema:
                item_enums |= set(schema["enum"])
        self.assertLessEqual(set(dci_envelope.ITEM_REASON_CODES), item_enums)

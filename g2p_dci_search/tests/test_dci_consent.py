from odoo.tests import tagged

from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciConsent(DciCase):
    """With g2p_api_consent installed, DCI results pass the same check as REST reads."""

    def test_records_without_consent_are_omitted(self):
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        Partner = self.env["res.partner"]
        consenting, silent = Partner.create([
            {"is_registrant": True, "given_name": "Yes", "family_name": "Dcitest"},
            {"is_registrant": True, "given_name": "No", "family_name": "Dcitest"},
        ])
        self.env["g2p.consent"].create({
            "partner_id": consenting.id, "client_id": self.client.id,
            "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_eligibility_verification").id,
            "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_dci_search").ids)], "evidence_reference": "F-1",
        })
        result = self.search(self.envelope([self.item("expression", {"family_name": "Dcitest"})])).json()
        item = result["message"]["search_response"][0]
        self.assertEqual([r["name"]["given_name"] for r in item["data"]["reg_records"]], ["Yes"])
        self.assertEqual(item["pagination"]["total_count"], 1)

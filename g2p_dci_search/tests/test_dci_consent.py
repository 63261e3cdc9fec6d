from odoo.tests import tagged

from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciConsent(DciCase):
    """With g2p_api_consent installed, DCI results pass the same check as REST reads."""

    def test_member_fields_test_only_members_who_consented(self):
        """A household search on member_name must not reveal, through total_count, who else lives there."""
        household, _shown, _hidden = self.household_with_a_silent_member("Oraclesen")

        def count(query):
            result = self.search(self.envelope([self.item("expression", query, reg_type="Household")])).json()
            item = result["message"]["search_response"][0]
            self.assertEqual(item["status"], "succ", item)
            return item["pagination"]["total_count"]

        self.assertEqual(count({"group_name": "Oraclesen household", "member_name": {"$contains": "Shown"}}), 1)
        for query in (
            {"member_name": "Hiddenna Oraclesen"},
            {"member_name": {"$startsWith": "Hidden"}},
            {"member_name": {"$in": ["Hiddenna Oraclesen"]}},
            {"$or": [{"member_name": {"$contains": "Hiddenna"}}, {"group_name": "no such household"}]},
        ):
            self.assertEqual(count(query), 0, query)
        self.assertEqual(len(household.group_member_ids), 2, "nothing changed")

    def test_records_without_consent_are_omitted(self):
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        Partner = self.env["res.partner"]
        consenting, silent = Partner.create(
            [
                {"is_registrant": True, "given_name": "Yes", "family_name": "Dcitest"},
                {"is_registrant": True, "given_name": "No", "family_name": "Dcitest"},
            ]
        )
        self.env["g2p.consent"].create(
            {
                "partner_id": consenting.id,
                "client_id": self.client.id,
                "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_eligibility_verification").id,
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_dci_search").ids)],
                "evidence_reference": "F-1",
            }
        )
        result = self.search(self.envelope([self.item("expression", {"family_name": "Dcitest"})])).json()
        item = result["message"]["search_response"][0]
        self.assertEqual([r["name"]["given_name"] for r in item["data"]["reg_records"]], ["Yes"])
        self.assertEqual(item["pagination"]["total_count"], 1)

from odoo import Command
from odoo.tests import tagged

from .common import DciCase

# an individual's record that shows its groups (the shipped one names none): what a register may configure
GROUPS_TEMPLATE = """{
  "@context": {"spdci": "https://schema.spdci.org/extensions/social/v1/"},
  "@id": "urn:uuid:{{ r.uuid }}",
  "@type": {{ reg_record_type|tojson }},
  "additional_attributes": [{"groups": {{ r.groups|tojson }}}]
}"""


@tagged("post_install", "-at_install")
class TestDciHiddenRelations(DciCase):
    """A household the API user's record rules hide (another registry's company) is not disclosed by a DCI record
    of an individual the client may read, nor a member they hide by the household's record (nor counted in its
    size): the records are those given were the membership not there, never a refused search, and no disclosure
    row names the hidden registrant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        other = cls.env["res.company"].create({"name": "Another registry (DCI hidden relations)"})
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        household_id = cls.env.ref("g2p_partner_api.id_type_household_id")
        Partner = cls.env["res.partner"]

        def registrant(vals, value, id_type):
            ids = [Command.create({"id_type_id": id_type.id, "value": value})]
            return Partner.create(dict({"is_registrant": True, "reg_id_ids": ids}, **vals))

        cls.person = registrant({"given_name": "Person", "family_name": "Zzdcihidden"}, "55800001", nid)
        cls.outsider = registrant(
            {"given_name": "Outsider", "family_name": "Zzdcihidden", "company_id": other.id}, "55800002", nid
        )
        cls.household = registrant(
            {
                "is_group": True,
                "name": "Zzdcihidden household",
                "group_member_ids": [
                    Command.create({"individual_id": cls.person.id}),
                    Command.create({"individual_id": cls.outsider.id}),
                ],
            },
            "HH-5580",
            household_id,
        )
        cls.foreign = registrant(
            {
                "is_group": True,
                "name": "Zzdcihidden foreign",
                "company_id": other.id,
                "group_member_ids": [Command.create({"individual_id": cls.person.id})],
            },
            "HH-5581",
            household_id,
        )
        cls.hidden = cls.foreign | cls.outsider
        cls.env.ref("g2p_dci_search.register_individual").outgoing_template = GROUPS_TEMPLATE

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _items(self):
        return [
            self.item("expression", {"family_name": "Zzdcihidden"}),
            self.item("idtype-value", {"type": "UIN", "value": "55800001"}),
            self.item("expression", {"group_name": "Zzdcihidden household"}, reg_type="Household"),
            self.item("idtype-value", {"type": "HouseholdID", "value": "HH-5580"}, reg_type="Household"),
        ]

    def _records(self):
        """The status and records of each answer of one signed sync search of every kind."""
        response = self.search(self.envelope(self._items()), validate=False)
        self.assertEqual(response.status_code, 200, response.text)
        for registrant in self.hidden:
            self.assertNotIn(registrant.uuid, response.text)
            self.assertNotIn(registrant.reg_id_ids.value, response.text)
            self.assertNotIn(registrant.name, response.text)
        answers = response.json()["message"]["search_response"]
        return [(answer["status"], answer["data"].get("reg_records")) for answer in answers]

    def test_records_are_those_without_the_hidden_memberships(self):
        records = self._records()
        self.assertEqual([status for status, _records in records], ["succ"] * 4, records)
        (person,) = records[0][1]
        self.assertEqual(records[1][1], [person])
        self.assertEqual(person["additional_attributes"][0]["groups"][0]["group"], self.household.uuid)
        self.assertEqual(len(person["additional_attributes"][0]["groups"]), 1)
        (household,) = records[2][1]
        self.assertEqual(records[3][1], [household])
        self.assertEqual(household["group_size"], 1, "a member the client may not read is not counted")
        self.assertEqual([m["@id"] for m in household["member_list"]], [f"urn:uuid:{self.person.uuid}"])
        disclosures = self.env["g2p.api.disclosure"].search([("client_id", "=", self.client.id)])
        self.assertEqual(disclosures.partner_id, self.person | self.household)
        self.assertFalse(disclosures.partner_id & self.hidden)
        (self.person.group_membership_ids.filtered(lambda m: m.group_id == self.foreign)).unlink()
        (self.household.group_member_ids.filtered(lambda m: m.individual_id == self.outsider)).unlink()
        self.env.invalidate_all()
        self.assertEqual(self._records(), records, "the records of the same registrants without those memberships")

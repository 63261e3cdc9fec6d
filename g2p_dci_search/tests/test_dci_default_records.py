import json

from odoo.tests import tagged

from ..services import dci_default_records
from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciDefaultRecords(DciCase):
    """Records of the default individual register are built without its template: the same JSON, byte for
    byte, as the template renders (a register whose template is changed at all goes through it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.register = cls.env.ref("g2p_dci_search.register_individual")
        ref = cls.env.ref
        voter = cls.env["g2p.id.type"].create({"name": "Voter card", "namespace_uri": "urn:test:id:voter-default"})
        Partner = cls.env["res.partner"]
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": 'Ñandú "Q" O\'Brien',
                    "addl_name": "Tripa",
                    "family_name": "Defaultson",
                    "birthdate": "1984-02-29",
                    "gender_id": ref("g2p_partner_api.vocab_gender_female").id,
                    "street": "1 Market St\nBlock <b>",
                    "city": "Zomba",
                    "zip": "301",
                    "country_id": ref("base.mw").id,
                    "reg_id_ids": [
                        (0, 0, {"id_type_id": ref("g2p_partner_api.id_type_national_id").id, "value": "77100001"}),
                        (0, 0, {"id_type_id": ref("g2p_partner_api.id_type_passport").id, "value": "P-DEF-1"}),
                        (0, 0, {"id_type_id": voter.id, "value": "V-DEF-1"}),
                    ],
                },
                {"is_registrant": True, "given_name": "Sparse", "family_name": "Defaultson"},
                {
                    "is_registrant": True,
                    "given_name": "Member",
                    "family_name": "Defaultson",
                    "gender_id": ref("g2p_partner_api.vocab_gender_male").id,
                    "city": "Blantyre",
                    "reg_id_ids": [
                        (0, 0, {"id_type_id": ref("g2p_partner_api.id_type_national_id").id, "value": "77100003"})
                    ],
                },
            ]
        )
        Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Defaultson household",
                "group_member_ids": [(0, 0, {"individual_id": cls.people[2].id})],
            }
        )

    def _records(self, items):
        """The reg_records of each answer of one signed search, as JSON text."""
        response = self.search(self.envelope(items))
        self.assertEqual(response.status_code, 200, response.text)
        answers = response.json()["message"]["search_response"]
        self.assertEqual([answer["status"] for answer in answers], ["succ"] * len(items), answers)
        return [json.dumps(answer["data"]["reg_records"], ensure_ascii=False) for answer in answers]

    def _items(self):
        lookups = [self.item("idtype-value", {"type": "UIN", "value": value}) for value in ("77100001", "77100003")]
        return [self.item("expression", {"family_name": "Defaultson"}), *lookups]

    def test_the_shipped_register_is_rendered_without_its_template(self):
        self.assertTrue(dci_default_records.renders_default_individual(self.register))
        self.register.outgoing_template += " "
        self.assertFalse(dci_default_records.renders_default_individual(self.register))
        self.assertFalse(
            dci_default_records.renders_default_individual(self.env.ref("g2p_dci_search.register_household"))
        )

    def test_page_and_batch_are_the_json_the_template_renders(self):
        built = self._records(self._items())
        self.register.outgoing_template += "\n"  # the same template: rendered by Jinja now
        self.assertFalse(dci_default_records.renders_default_individual(self.register))
        rendered = self._records(self._items())
        self.assertEqual(built, rendered)
        page = json.loads(built[0])
        self.assertEqual(len(page), 3)
        self.assertEqual(page[0]["name"]["given_name"], 'Ñandú "Q" O\'Brien')
        types = [identifier["identifier_type"] for identifier in page[0]["identifier"]]
        self.assertEqual(types, ["NationalID", "Passport", "urn:test:id:voter-default"])
        self.assertNotIn("birth_date", page[1], "empty values are left out")
        self.assertEqual(json.loads(built[2])[0]["@id"], f"urn:uuid:{self.people[2].uuid}")

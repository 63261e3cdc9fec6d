import uuid

import yaml

from odoo.tests import tagged

from .common import SPEC_PATH, DciCase

GROUP_EXAMPLE = (
    "components",
    "schemas",
    "SearchResponse",
    "properties",
    "search_response",
    "items",
    "properties",
    "data",
    "properties",
    "reg_records",
    "items",
    "example",
)
BENEFICIARY_EXAMPLE = (
    "components",
    "schemas",
    "TxnStatusResponse",
    "properties",
    "txnstatus_response",
    "example",
    "properties",
    "search_response",
    "items",
    "properties",
    "data",
    "properties",
    "reg_records",
    "items",
    "example",
)


def _at(document, path):
    for key in path:
        document = document[key]
    return document


def _json_type(value):
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}[type(value)]


class Shape:
    """What the spec's examples show for one kind of object: key → Shape, JSON types, list item Shape."""

    def __init__(self, *examples, open_keys=False):
        self.types, self.keys, self.items, self.open_keys = set(), {}, None, open_keys
        for example in examples:
            self.add(example)

    def add(self, example):
        self.types.add(_json_type(example))
        if isinstance(example, dict):
            for key, value in example.items():
                self.keys.setdefault(key.split(":")[-1], Shape()).add(value)  # 'spdci:identifier' is identifier
        elif isinstance(example, list):
            self.items = self.items or Shape()
            for value in example:
                self.items.add(value)
        return self


@tagged("post_install", "-at_install")
class TestDciRecords(DciCase):
    """Optional reg_type, records as the spec's examples show them, identifiers that round-trip."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.voter = cls.env["g2p.id.type"].create({"name": "Voter card", "namespace_uri": "urn:test:id:voter-card"})
        male = cls.env.ref("g2p_partner_api.vocab_gender_male")
        cls.full = Partner.create(
            {
                "is_registrant": True,
                "given_name": "Rounda",
                "addl_name": "Tripa",
                "family_name": "Recordson",
                "birthdate": "1984-02-29",
                "gender_id": male.id,
                "street": "1 Market St",
                "city": "Zomba",
                "zip": "301",
                "country_id": cls.env.ref("base.mw").id,
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.nid.id, "value": "55500001"}),
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_passport").id, "value": "P-REC-1"}),
                    (0, 0, {"id_type_id": cls.voter.id, "value": "V-REC-1"}),
                ],
            }
        )
        cls.sparse = Partner.create({"is_registrant": True, "given_name": "Sparse", "family_name": "Recordson"})
        cls.household = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Recordson household",
                "city": "Recordville",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_household_id").id, "value": "HH-REC-1"})
                ],
            }
        )
        Membership = cls.env["g2p.group.membership"]
        head = cls.env.ref("g2p_partner_api.vocab_membership_kind_head")
        Membership.create(
            [
                {"group_id": cls.household.id, "individual_id": cls.full.id, "kind_ids": [(6, 0, head.ids)]},
                {"group_id": cls.household.id, "individual_id": cls.sparse.id},
            ]
        )
        ended = Partner.create({"is_registrant": True, "given_name": "Gone", "family_name": "Recordson"})
        Membership.create(
            {
                "group_id": cls.household.id,
                "individual_id": ended.id,
                "start_date": "2020-01-01",
                "end_date": "2021-01-01",
            }
        )

    def bare_item(self, query_type, query, **criteria):
        """A search_request item as the spec requires it: only query_type and query."""
        return {
            "reference_id": str(uuid.uuid4()),
            "timestamp": "2026-01-01T00:00:00Z",
            "search_criteria": dict({"query_type": query_type, "query": query}, **criteria),
        }

    def answer(self, *items, validate=True):
        response = self.search(self.envelope(list(items)), validate=validate)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["message"]["search_response"]

    # --- which register answers ------------------------------------------------------------------
    def test_search_without_reg_type_uses_the_default_register(self):
        (result,) = self.answer(self.bare_item("expression", {"family_name": "Recordson"}))
        self.assertEqual(result["status"], "succ", result)
        self.assertEqual(
            (result["data"]["reg_type"], result["data"]["reg_record_type"]), ("Individual", "spdci:SRPerson")
        )
        self.assertEqual(result["pagination"]["total_count"], 3)
        self.env["ir.config_parameter"].set_param("g2p_dci_search.default_reg_type", "Household")
        (result,) = self.answer(self.bare_item("expression", {"location": "Recordville"}))
        self.assertEqual((result["status"], result["data"]["reg_record_type"]), ("succ", "spdci:Group"), result)
        self.assertEqual(result["pagination"]["total_count"], 1)

    def test_registry_type_response_entity_and_record_type_choose_the_register(self):
        expression = {"family_name": "Recordson"}
        cases = [
            ({"reg_type": "ns:org:RegistryType:Social"}, "spdci:SRPerson"),
            ({"reg_type": "spdci:RegistryType:Social", "response_entity": "Member"}, "spdci:SRPerson"),
            ({"reg_type": "ns:org:RegistryType:Social", "response_entity": "Group"}, "spdci:Group"),
            ({"response_entity": "Group"}, "spdci:Group"),
            ({"reg_record_type": "SRPerson"}, "spdci:SRPerson"),
            ({"reg_record_type": "spdci:Group"}, "spdci:Group"),
            ({"reg_type": "Household"}, "spdci:Group"),
        ]
        for criteria, record_type in cases:
            query = {"group_name": "Recordson household"} if record_type == "spdci:Group" else expression
            (result,) = self.answer(self.bare_item("expression", query, **criteria))
            self.assertEqual((result["status"], result["data"]["reg_record_type"]), ("succ", record_type), criteria)
            self.assertEqual(
                result["data"]["reg_type"],
                criteria.get("reg_type", "Individual" if record_type == "spdci:SRPerson" else "Household"),
            )
        # the spec's expression wrapper names the collection: Group means households
        wrapped = {
            "type": "ns:org:QueryType:expression",
            "value": {
                "expression": {
                    "collection": "Group",
                    "query": {
                        "$and": [{"location": {"$eq": "Recordville"}}, {"group_name": {"$startsWith": "Recordson"}}]
                    },
                }
            },
        }
        (result,) = self.answer(self.bare_item("expression", wrapped))
        self.assertEqual((result["status"], result["pagination"]["total_count"]), ("succ", 1), result)
        for criteria in (
            {"reg_type": "ns:org:RegistryType:Farmer"},
            {"reg_type": "Individual", "response_entity": "Group"},
            {"reg_type": "Household", "reg_record_type": "SRPerson"},
        ):
            (result,) = self.answer(self.bare_item("expression", expression, **criteria))
            self.assertEqual((result["status"], result["status_reason_code"]), ("rjct", "rjct.search_criteria.invalid"))

    # --- records ---------------------------------------------------------------------------------
    def test_identifiers_carry_dci_type_names_and_round_trip(self):
        (result,) = self.answer(self.bare_item("idtype-value", {"type": "UIN", "value": "55500001"}))
        (record,) = result["data"]["reg_records"]
        self.assertEqual(
            record["identifier"],
            [
                {"@type": "Identifier", "identifier_type": "NationalID", "identifier_value": "55500001"},
                {"@type": "Identifier", "identifier_type": "Passport", "identifier_value": "P-REC-1"},
                # an id type no register maps keeps its namespace URI, which searches accept too
                {"@type": "Identifier", "identifier_type": "urn:test:id:voter-card", "identifier_value": "V-REC-1"},
            ],
        )
        again = self.answer(
            *[
                self.bare_item("idtype-value", {"type": i["identifier_type"], "value": i["identifier_value"]})
                for i in record["identifier"]
            ]
        )
        self.assertEqual([[r["@id"] for r in a["data"]["reg_records"]] for a in again], [[record["@id"]]] * 3)
        # no reg_type: the register that maps the id type answers
        (household,) = self.answer(self.bare_item("idtype-value", {"type": "HouseholdID", "value": "HH-REC-1"}))
        (group,) = household["data"]["reg_records"]
        self.assertEqual(
            group["group_identifier"],
            [{"@type": "Identifier", "identifier_type": "HouseholdID", "identifier_value": "HH-REC-1"}],
        )
        member = next(m for m in group["member_list"] if m["demographic_info"]["name"]["given_name"] == "Rounda")
        (by_member_id,) = self.answer(
            self.bare_item(
                "idtype-value",
                {
                    "type": member["member_identifier"][0]["identifier_type"],
                    "value": member["member_identifier"][0]["identifier_value"],
                },
            )
        )
        self.assertEqual(by_member_id["data"]["reg_records"][0]["@id"], member["@id"])

    def test_empty_fields_are_left_out_and_locale_is_three_letters(self):
        # "en" is the spec's own example, though its pattern wants three letters: accepted, answered "eng"
        item = dict(self.bare_item("expression", {"given_name": "Sparse", "family_name": "Recordson"}), locale="en")
        (result,) = self.answer(item, validate=False)
        self.response_validator.validate(self.search(self.envelope([item]), validate=False).json())
        self.assertEqual((result["status"], result["locale"]), ("succ", "eng"), result)
        (record,) = result["data"]["reg_records"]
        self.assertEqual(set(record), {"@context", "@id", "@type", "name"})
        self.assertEqual(record["name"], {"@type": "Name", "given_name": "Sparse", "surname": "Recordson"})

    def test_household_size_and_location(self):
        (result,) = self.answer(self.bare_item("expression", {"location": "Recordville"}, response_entity="Group"))
        (group,) = result["data"]["reg_records"]
        self.assertEqual((group["group_size"], group["place"]["address"]), (2, "Recordville"), "ended: not counted")

    def test_household_size_is_neither_searched_nor_sorted_on(self):
        """The spec's example searches on group_size: refused by name (a size would count members the participant
        may not read), as a search and as a sort."""
        searched = self.bare_item(
            "expression", {"location": "Recordville", "group_size": {"$gte": 2}}, response_entity="Group"
        )
        sorted_on = self.bare_item(
            "expression",
            {"location": "Recordville"},
            response_entity="Group",
            sort=[{"attribute_name": "group_size", "sort_order": "desc"}],
        )
        for item, code in ((searched, "rjct.search_criteria.invalid"), (sorted_on, "rjct.sort.invalid")):
            (result,) = self.answer(item)
            self.assertEqual((result["status"], result["status_reason_code"]), ("rjct", code), result)
            self.assertIn("group_size", result["status_reason_message"])
            self.assertNotIn("data", result)

    def test_shipped_templates_match_the_spec_examples(self):
        with open(SPEC_PATH) as spec_file:
            spec = yaml.safe_load(spec_file)
        group = _at(spec, GROUP_EXAMPLE)
        beneficiary = _at(spec, BENEFICIARY_EXAMPLE)["member"]
        members = [*group["member_list"], group["group_head_info"], beneficiary]
        people = [m["demographic_info"] for m in members[:-1]] + [beneficiary["demographic_info"]["person"]]
        shapes = {"spdci:Group": Shape(group), "spdci:SRPerson": Shape(*people)}
        shapes["spdci:Group"].keys["member_list"].items = Shape(*members)
        shapes["spdci:Group"].keys["member_list"].items.keys["demographic_info"] = Shape(*people)
        # registry-specific attribute name/value pairs, as the spec allows them
        shapes["spdci:Group"].keys["additional_attributes"].items.open_keys = True
        shapes["spdci:SRPerson"].keys["@id"] = Shape(group["@id"])  # a JSON-LD node id, as groups and members have
        registers = [
            self.env.ref("g2p_dci_search.register_individual"),
            self.env.ref("g2p_dci_search.register_household"),
        ]
        Query = {
            "individual": {"type": "UIN", "value": "55500001"},
            "group": {"type": "HouseholdID", "value": "HH-REC-1"},
        }
        for register in registers:
            (result,) = self.answer(self.bare_item("idtype-value", Query[register.target], reg_type=register.reg_type))
            (record,) = result["data"]["reg_records"]
            self._assert_shaped_like(record, shapes[register.reg_record_type], register.reg_type)
            if register.target == "group":  # every part of the template was exercised
                self.assertEqual(
                    {k for m in record["member_list"] for k in m},
                    {"@type", "@id", "member_identifier", "demographic_info", "relationship_head"},
                )
                self.assertEqual(
                    set(record),
                    {
                        "@context",
                        "@id",
                        "@type",
                        "group_identifier",
                        "group_type",
                        "group_size",
                        "place",
                        "member_list",
                        "additional_attributes",
                    },
                )
            else:
                self.assertEqual(
                    set(record), {"@context", "@id", "@type", "identifier", "name", "birth_date", "sex", "address"}
                )

    def _assert_shaped_like(self, value, shape, where):
        self.assertNotIn(value, (None, "", [], {}), f"{where}: empty values are left out")
        json_type = _json_type(value)
        if json_type == "number" and shape.types == {"string"}:
            json_type = "string"  # the examples quote numbers ('40.712776'); a number is the stricter form
        self.assertIn(json_type, shape.types, f"{where}: {value!r} is not {shape.types}")
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "@context" or shape.open_keys:
                    continue
                self.assertIn(key, shape.keys, f"{where}.{key} is in none of the spec's examples")
                self._assert_shaped_like(item, shape.keys[key], f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._assert_shaped_like(item, shape.items, f"{where}[{index}]")

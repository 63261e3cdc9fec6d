import copy
import json

import jsonschema

from odoo.tests import tagged

from ..services.error_report import ErrorReport
from .test_follow_submissions import FollowCase

KIND = "urn:g2p:vocab:group-membership-kind"
UNKNOWN = "00000000-0000-0000-0000-00000000beef"


@tagged("post_install", "-at_install")
class TestRestGroupDataModel(FollowCase):
    """REST_GROUP: the body a partner would POST to /api/v2/Group, ingested as it is: members named by uuid and new
    members given in full, through the mounted ingest app to the register."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.scope_ids |= cls.env.ref("g2p_partner_api.scope_group_read")
        cls.known = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Dalitso", "family_name": "Zzrestgroup", "birthdate": "1983-02-11"}
        )
        cls.model = cls.env.ref("g2p_partner_ingest.data_model_rest_group")

    def _listed(self):
        with self._api() as api:
            response = api.get("/partner/data-models", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        return {model["mnemonic"]: model for model in response.json()["data_models"]}["REST_GROUP"]

    def _household(self, household_id="HH-300001"):
        return {
            "name": "Zzrestgroup household",
            "identifiers": [{"system": "urn:g2p:id:household-id", "value": household_id}],
            "address": {"city": "Mzuzu", "country": "MW"},
            "members": [
                {
                    "individual": self.known.uuid,
                    "kinds": [{"system": KIND, "code": "head"}],
                    "start_date": "2025-02-01",
                },
                {
                    "new_individual": {
                        "given_name": "Thoko",
                        "family_name": "Zzrestgroup",
                        "birthdate": "2014-08-03",
                        "identifiers": [{"system": "urn:g2p:id:national-id", "value": "100009961"}],
                    },
                    "kinds": [{"system": KIND, "code": "child"}],
                },
            ],
        }

    def _dry_run(self, item):
        response = self.post(self.body(item), {"data_model": "REST_GROUP", "dry_run": "true"})
        self.assertEqual(response.status_code, 200, response.text)
        (result,) = response.json()["response_payload"]["items"]
        return result

    def test_listed_with_its_schema_and_an_example_that_goes_through(self):
        listed = self._listed()
        self.assertEqual(
            (listed["target"], listed["batch"], listed["match_identifier"]),
            ("group", False, "urn:g2p:id:household-id"),
        )
        validator = jsonschema.Draft202012Validator(listed["input_schema"])
        validator.validate(listed["input_example"])
        validator.validate(self._household())
        result = self._dry_run(listed["input_example"])
        self.assertEqual((result["error_code"], result["error_message"]), (None, None))

    def test_the_rest_group_body_ingested_as_it_is_to_the_register(self):
        people_before = self.env["res.partner"].search_count([("family_name", "=", "Zzrestgroup")])
        _data, rows = self.ingest(self.body(self._household()), {"data_model": "REST_GROUP"})
        self.assertEqual((rows.state, rows.error_message), ("done", False))
        request = rows.change_request_id
        self.assertEqual((request.operation, request.target, request.state), ("add", "group", "pending"))
        self.assertEqual(
            self.proposed(request)["members"][0],
            {"individual": self.known.uuid, "kinds": ["head"], "start_date": "2025-02-01"},
        )
        self.assertIn("Dalitso", request.diff_html, "the reviewer reads the registered person, not a uuid")
        self.assertFalse(request.duplicate_ids, "a member named by uuid is nobody new")
        request.with_user(self.approver).action_approve()
        self.assertEqual(request.state, "applied", request.error_message)
        group = request.registrant_id
        members = {m.individual_id: m for m in group.group_member_ids}
        self.assertEqual(
            (members[self.known].kind_ids.mapped("code"), str(members[self.known].start_date)), (["head"], "2025-02-01")
        )
        (new,) = set(members) - {self.known}
        self.assertEqual(
            (new.name, new.reg_id_ids.value, members[new].kind_ids.mapped("code")),
            ("Thoko Zzrestgroup", "100009961", ["child"]),
        )
        self.assertEqual(self.known.given_name, "Dalitso", "the member named by uuid is not rewritten")
        self.assertEqual(
            self.env["res.partner"].search_count([("family_name", "=", "Zzrestgroup")]),
            people_before + 1,
            "one new person",
        )
        self.assertEqual((group.source_client_id, group.source_system), (self.client, "kobo"), "provenance")
        self.assertEqual(self.status_of(rows)["registrant"], group.uuid)

    def test_what_the_register_has_no_place_for_is_refused_by_name(self):
        household = self._household()
        both = copy.deepcopy(household)
        both["members"][0]["new_individual"] = {"given_name": "Twice"}
        ended = copy.deepcopy(household)
        ended["members"][0]["end_date"] = "2025-03-01"
        street = dict(copy.deepcopy(household), address={"city": "Mzuzu", "street": "Area 47"})
        new_street = copy.deepcopy(household)
        new_street["members"][1]["new_individual"]["address"] = {"zip": "301"}
        cases = {
            "members[0].individual": both,
            "members[0].end_date": ended,
            "address.street": street,
            "members[1].new_individual.address.zip": new_street,
            "members[1].individual": dict(household, members=[household["members"][0], {"kinds": []}]),
        }
        schema = jsonschema.Draft202012Validator(json.loads(self.model.input_schema))
        for field, item in cases.items():
            with self.subTest(field=field):
                self.assertTrue(list(schema.iter_errors(item)), "the published schema refuses it too")
                before = self.received_count()
                result = self._dry_run(item)
                self.assertEqual(result["error_code"], "TRANSFORMATION_FAILED")
                self.assertIn(field, result["error_message"])
                self.assertEqual(self.received_count(), before)

    def test_one_person_as_two_members_is_refused_by_name(self):
        """The same uuid twice, or two members holding one identifier, would be one membership with the roles and
        start date of the last: the item fails TRANSFORMATION_FAILED naming the later member, nothing proposed."""
        twice = self._household(household_id="HH-300002")
        twice["members"].append({"individual": self.known.uuid, "kinds": [{"system": KIND, "code": "child"}]})
        same_id = self._household(household_id="HH-300003")
        same_id["members"].append(copy.deepcopy(same_id["members"][1]))
        same_id["members"][2]["new_individual"]["given_name"] = "Other"
        for item, field in ((twice, "members[2].individual"), (same_id, "members[2].identifiers[0]")):
            with self.subTest(field=field):
                people = self.env["res.partner"].search_count([("family_name", "=", "Zzrestgroup")])
                dry = self._dry_run(item)
                self.assertEqual(dry["error_code"], "TRANSFORMATION_FAILED")
                self.assertIn(f"{field}: the same person as members[", dry["error_message"])
                _data, rows = self.ingest(self.body(item), {"data_model": "REST_GROUP"})
                self.assertEqual((rows.state, rows.error_code), ("failed", "TRANSFORMATION_FAILED"))
                self.assertEqual(rows.change_request_id.id, False, "nothing proposed")
                (problem,) = ErrorReport(self.env).ingest_problems(
                    rows.error_code, rows.error_message, rows.error_details
                )
                self.assertTrue(problem["message"].startswith("The same person as member "), problem)
                self.assertEqual(self.env["res.partner"].search_count([("family_name", "=", "Zzrestgroup")]), people)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Zzrestgroup household")]))
        self.assertEqual(self.known.group_membership_ids.ids, [])

    def test_a_member_the_sender_may_not_read_is_refused_as_an_unknown_one(self):
        self.without_legal_basis()
        answers = []
        for uuid in (self.known.uuid, UNKNOWN):
            household = self._household(household_id=f"HH-{uuid[-6:]}")
            household["members"][0]["individual"] = uuid
            dry = self._dry_run(household)
            _data, rows = self.ingest(self.body(household), {"data_model": "REST_GROUP"})
            self.assertEqual((rows.state, rows.change_request_id.id), ("failed", False), "nothing proposed")
            status = self.status_of(rows)
            answers.append(
                (
                    dry["error_code"],
                    dry["error_message"].replace(uuid, "…"),
                    status["state"],
                    status["error_message"].replace(uuid, "…"),
                    status["reason"].replace(uuid, "…"),
                )
            )
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], "TRANSFORMATION_FAILED")
        self.assertIn("members[0].individual", answers[0][1])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Zzrestgroup household")]))
        self.assertEqual(self.known.group_membership_ids.ids, [])

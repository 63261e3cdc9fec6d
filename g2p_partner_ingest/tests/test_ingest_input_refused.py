"""What an ingest item cannot be stored as sent fails naming the field (issue #25), in the pipeline and in
the dry run alike: country names or unknown codes (``Malawi`` became Morocco), an unknown sex (``X`` was
dropped), blank names."""

from odoo.tests import tagged

from .common import IngestCase

WRITTEN_MODELS = ("g2p.change.request", "res.partner")


@tagged("post_install", "-at_install")
class TestIngestInputRefused(IngestCase):
    def counts(self):
        self.env.invalidate_all()
        return {model: self.env[model].with_context(active_test=False).search_count([]) for model in WRITTEN_MODELS}

    def refused(self, message, field, params=None):
        """The item fails at transformation naming ``field``, nothing is proposed; the dry run says the same."""
        before = self.counts()
        response = self.post(self.body(message), dict(params or {}, dry_run="true"))
        self.assertEqual(response.status_code, 200, response.text)
        [item] = response.json()["response_payload"]["items"]
        self.assertEqual((item["operation"], item["error_code"]), (None, "TRANSFORMATION_FAILED"), field)
        self.assertIn(field, item["error_message"])
        data, rows = self.ingest(self.body(message), params)
        self.assertEqual((rows.state, rows.error_code), ("failed", "TRANSFORMATION_FAILED"), field)
        self.assertIn(field, rows.error_message)
        self.assertEqual(rows.error_message, item["error_message"], "the dry run answers what the pipeline does")
        self.assertFalse(rows.change_request_id)
        self.assertEqual(self.counts(), before, f"{field}: nothing stored")
        return rows

    def test_unknown_sex_is_an_error_not_a_person_without_gender(self):
        rows = self.refused({"person": self.person(nid="96000001", sex="X")}, "gender")
        self.assertIn("'X'", rows.error_message)

    def test_country_names_and_unknown_codes_fail_the_item(self):
        for index, country in enumerate(("Malawi", "Zambia", "XX", "mw")):
            self.refused({"person": dict(self.person(nid=f"9600001{index}"), country=country)}, "country")
        household = {"household_id": "HH-IN-1", "name": "Input household", "country": "Malawi", "members": []}
        self.refused({"households": [household]}, "country")
        member = dict(self.person(nid="96000020"), country="XX", relationship="head")
        del member["village"]  # a member has no village of its own: refused by name too
        household = {"household_id": "HH-IN-2", "name": "Input household", "members": [member]}
        self.refused({"households": [household]}, "members[0].country")

    def test_alpha_3_country_is_stored_as_alpha_2(self):
        self.env.ref("g2p_partner_ingest.data_model_person_json").auto_approve = True
        data, rows = self.ingest(self.body({"person": dict(self.person(nid="96000030"), country="MWI")}))
        self.assertEqual(rows.change_request_id.state, "applied", rows.error_message)
        self.assertEqual(rows.change_request_id.registrant_id.country_id.code, "MW")

    def test_blank_names_and_unparsable_dates_fail_the_item(self):
        self.refused({"person": self.person(nid="96000040", first="   ")}, "given_name")
        self.refused({"person": self.person(nid="96000041", dob="1990-01-01T00:00:00")}, "birthdate")

    def test_a_key_beside_the_known_ones_is_refused_not_taken_for_one(self):
        """An unknown key used to be passed on under its own name: a top-level city replaced address.city, a
        member's given_name the new individual's."""
        rest = {"data_model": "REST_INDIVIDUAL"}
        sent = {"given_name": "Ann", "family_name": "Zzcollide", "address": {"city": "Zomba", "country": "MW"}}
        for key, value in (("city", "Lilongwe"), ("country", "MOZ"), ("kinds", ["head"]), ("consent", {})):
            self.refused(dict(sent, **{key: value}), f"{key} (unknown field)", rest)
        gender = {"system": "urn:g2p:vocab:gender", "code": "female", "text": "F"}
        self.refused(dict(sent, gender=gender), "gender.text", rest)
        new_individual = {
            "given_name": "Chisomo",
            "family_name": "Zzcollide",
            "identifiers": [{"system": "urn:g2p:id:national-id", "value": "96000051"}],
        }
        member = {"new_individual": new_individual, "given_name": "Other", "birthdate": "2001-01-01"}
        group = {"name": "Zzcollide household", "members": [member]}
        rows = self.refused(group, "members[0].given_name (unknown field)", {"data_model": "REST_GROUP"})
        self.assertIn("members[0].birthdate (unknown field)", rows.error_message)
        kind = {"system": "urn:g2p:vocab:group-membership-kind", "code": "head", "since": "2001"}
        group = {"name": "Zzcollide household", "members": [{"new_individual": new_individual, "kinds": [kind]}]}
        self.refused(group, "members[0].kinds[0].since", {"data_model": "REST_GROUP"})
        group = {"name": "Zzcollide household", "members": [], "city": "Lilongwe"}
        self.refused(group, "city (unknown field)", {"data_model": "REST_GROUP"})

    def test_unknown_and_misspelt_keys_of_the_shipped_models_are_refused(self):
        """PERSON_JSON and HOUSEHOLD_BATCH dropped them: a misspelt nationalId made an UPDATE an ADD."""
        person = {"first_name": "Ann", "last_name": "Zzdrop", "nationalId": "96000061"}
        self.refused({"person": person}, "person.nationalId")
        self.refused({"person": self.person(nid="96000062"), "persons": []}, "persons (unknown field)")
        for falsy in (False, ""):
            self.refused({"person": self.person(nid=falsy)}, "identifiers[0].value")
        member = {"first_name": "Musa", "relation": "head", "village": "Zomba"}
        household = {"household_id": "HH-IN-3", "name": "Zzdrop household", "members": [member]}
        rows = self.refused({"households": [household]}, "members[0].relation (unknown field)")
        self.assertIn("members[0].village (unknown field)", rows.error_message)
        household = {"household_id": "HH-IN-4", "name": "Zzdrop household", "vilage": "Zomba", "members": []}
        self.refused({"households": [household]}, "vilage (unknown field)")
        member = {"first_name": "Musa", "national_id": False, "relationship": "head"}
        household = {"household_id": "HH-IN-5", "name": "Zzdrop household", "members": [member]}
        self.refused({"households": [household]}, "members[0].identifiers[0].value")

    def test_an_individual_has_no_membership_kinds(self):
        """The canonical registrant took kinds and the change request dropped them: refused for any data model."""
        self.env["g2p.ingest.data.model"].create(
            {
                "mnemonic": "ZZ_KINDS",
                "target": "individual",
                "match_id_type_id": self.env.ref("g2p_partner_api.id_type_national_id").id,
                "transformation_template": '{"given_name": {{ item.name|tojson }}, "kinds": {{ item.kinds|tojson }}}',
            }
        )
        rows = self.refused({"name": "Ann", "kinds": ["head"]}, "kinds", {"data_model": "ZZ_KINDS"})
        self.assertIn("membership kinds are taken only for a member of a group", rows.error_message)
        (item,) = self.post(
            self.body({"name": "Ann", "kinds": []}), {"data_model": "ZZ_KINDS", "dry_run": "true"}
        ).json()["response_payload"]["items"]
        self.assertEqual(item["operation"], "ADD", item)

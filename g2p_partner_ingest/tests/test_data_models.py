import copy
import json

import jsonschema

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.services import templates

from .common import IngestCase


@tagged("post_install", "-at_install")
class TestDataModels(IngestCase):
    """GET /partner/data-models, and REST_INDIVIDUAL: the REST Individual write body ingested as it is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, "dm_approver", groups="g2p_partner_api.group_registry_approver")
        cls.rest_model = cls.env.ref("g2p_partner_ingest.data_model_rest_individual")

    def _data_models(self, client=None, secret=None):
        with self._api() as api:
            headers = self._auth(client or self.client, secret or self.secret) if client is not False else {}
            return api.get("/partner/data-models", headers=headers)

    def _listed(self):
        response = self._data_models()
        self.assertEqual(response.status_code, 200, response.text)
        return {model["mnemonic"]: model for model in response.json()["data_models"]}

    def _body_of(self, model, example):
        """A signed ingest body carrying ``example`` as this data model's item (the shipped models' paths)."""
        if model["batch"]:
            list_name = model["paths"]["items"].removeprefix(model["paths"]["signed_payload"] + ".")
            return self.body({list_name: [example]})
        return self.body(example)

    def _dry_run(self, mnemonic, body):
        response = self.post(body, {"data_model": mnemonic, "dry_run": "true"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["response_header"]["response_status"], "SUCCESS", response.text)
        return response.json()["response_payload"]["items"]

    def test_lists_each_data_model_with_its_item_schema_and_an_example_that_goes_through(self):
        listed = self._listed()
        self.assertTrue({"PERSON_JSON", "HOUSEHOLD_BATCH", "REST_INDIVIDUAL"} <= set(listed))
        rest = listed["REST_INDIVIDUAL"]
        self.assertEqual(
            (rest["target"], rest["batch"], rest["match_identifier"], rest["paths"]["signed_payload"]),
            ("individual", False, "urn:g2p:id:national-id", "$.body.message"),
        )
        self.assertEqual(listed["HOUSEHOLD_BATCH"]["paths"]["items"], "$.body.message.households")
        for mnemonic in ("PERSON_JSON", "HOUSEHOLD_BATCH", "REST_INDIVIDUAL"):
            with self.subTest(data_model=mnemonic):
                model = listed[mnemonic]
                jsonschema.Draft202012Validator(model["input_schema"]).validate(model["input_example"])
                items = self._dry_run(mnemonic, self._body_of(model, model["input_example"]))
                self.assertEqual([(i["error_code"], i["error_message"]) for i in items], [(None, None)])
                # ADD_OR_UPDATE: the household's register is one this sender may not read (group:read)
                self.assertIn(items[0]["operation"], ("ADD", "UPDATE", "ADD_OR_UPDATE"))

    def test_refused_without_a_token_or_the_ingest_scope(self):
        self.assertEqual(self._data_models(client=False).status_code, 401)
        reader, secret = self._create_client("Reader only", scopes=["individual:read"])
        refused = self._data_models(reader, secret)
        self.assertEqual((refused.status_code, refused.json()["code"]), (403, "insufficient_scope"))

    def test_the_rest_individual_body_ingested_as_it_is(self):
        """The body a partner sends to POST /api/v2/Individual, signed as the message, becomes a change
        request proposing the same person; REST takes the same body."""
        example = self._listed()["REST_INDIVIDUAL"]["input_example"]
        data, rows = self.ingest(self.body(example), {"data_model": "REST_INDIVIDUAL"})
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS", data)
        request = rows.change_request_id
        self.assertEqual((request.operation, request.target), ("add", "individual"))
        self.assertEqual(
            self.proposed(request),
            {
                "given_name": example["given_name"],
                "family_name": example["family_name"],
                "birthdate": example["birthdate"],
                "gender": example["gender"]["code"],
                "identifiers": example["identifiers"],
                "city": example["address"]["city"],
                "country": example["address"]["country"],
                "kinds": [],
            },
        )
        request.with_user(self.approver).action_approve()
        person = request.registrant_id
        with self._api(self.rest_endpoint) as api:
            read = api.get(
                f"/api/v2/Individual/{person.uuid}", headers=self._auth(self.client, self.secret, "individual:read")
            ).json()
        for field in ("given_name", "family_name", "birthdate", "identifiers"):
            self.assertEqual(read[field], example[field], field)
        self.assertEqual((read["gender"]["code"], read["address"]["city"]), ("female", "Zomba"))
        writer, secret = self._create_client("REST writer", scopes=["individual:write"])
        same_shape = dict(example, identifiers=[{"system": "urn:g2p:id:national-id", "value": "100009932"}])
        with self._api(self.rest_endpoint) as api:
            created = api.post("/api/v2/Individual", json=same_shape, headers=self._auth(writer, secret))
        self.assertEqual(created.status_code, 201, created.text)

    def test_a_template_rendering_a_member_twice_fails_the_item_naming_it(self):
        with self.assertRaisesRegex(templates.TemplateRenderError, r"the member name\.given_name is named more than"):
            templates.render_json('{"name": {"given_name": {{ a|tojson }}, "given_name": "B"}}', a="A")
        model = self.person_list_model("ZZ_TWICE")
        model.transformation_template = model.transformation_template.replace(
            '"city": ', '"given_name": {{ p.get("village")|tojson }},\n  "city": '
        )
        data, rows = self.ingest(self.body({"people": [self.person()]}), params={"data_model": "ZZ_TWICE"})
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS", data)
        self.assertEqual((rows.state, rows.error_code), ("failed", "TRANSFORMATION_FAILED"))
        self.assertIn("given_name is named more than once", rows.error_message)
        self.assertFalse(rows.change_request_id)

    def test_what_the_register_has_no_place_for_is_refused_by_name(self):
        example = self._listed()["REST_INDIVIDUAL"]["input_example"]
        cases = {
            "address.street": dict(example, address=dict(example["address"], street="12 Main road")),
            "nickname": dict(example, nickname="Chiko"),
            "gender.system": dict(example, gender={"system": "urn:other:sex", "code": "female"}),
        }
        for field, item in cases.items():
            with self.subTest(field=field):
                schema = jsonschema.Draft202012Validator(json.loads(self.rest_model.input_schema))
                self.assertTrue(list(schema.iter_errors(item)), "the published schema refuses it too")
                before = self.received_count()
                (result,) = self._dry_run("REST_INDIVIDUAL", self.body(copy.deepcopy(item)))
                self.assertEqual(result["error_code"], "TRANSFORMATION_FAILED")
                self.assertIn(field, result["error_message"])
                self.assertEqual(self.received_count(), before)

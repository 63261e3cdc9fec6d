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

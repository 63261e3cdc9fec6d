"""Odoo's onchange (the form's "what would this record look like") checks no right and computes related fields and
many2one display names as the superuser: anyone logged in built a possible duplicate, a consent, a membership, a
delivery or a change request in memory naming any registrant, and read the registrant's name, birth date, city,
uuid and identifiers off the answer. Each attack goes through the web client's JSON-RPC route, as an employee
without a registry role and as staff of company A against a registrant of company B: refused, nothing of the
registrant in the answer, nothing stored. The staff of the registrant's company still see it."""

import json

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .two_registries import registrant, second_registry, staff_users

ACCESS_ERROR = "odoo.exceptions.AccessError"
CANDIDATE_SPEC = dict.fromkeys(
    (
        "candidate_name",
        "candidate_birthdate",
        "candidate_city",
        "candidate_uuid",
        "candidate_identifiers",
        "candidate_households",
        "match_summary",
        "merge_warning",
    ),
    {},
)
COUNTED = (
    "g2p.change.request",
    "g2p.change.request.duplicate",
    "g2p.consent",
    "g2p.program.membership",
    "g2p.api.delivery",
    "res.partner",
)


@tagged("post_install", "-at_install")
class TestOnchangeDisclosesNobody(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env.company
        cls.company_b = second_registry(env, "forms")
        cls.secret = registrant(
            env,
            cls.company_b,
            "Zyxsecret",
            "Qwvperson",
            national_id="55500077",
            birthdate="1977-07-07",
            city="Hiddentownzz",
        )
        cls.secrets = ("Zyxsecret", "Qwvperson", "1977-07-07", "Hiddentownzz", "55500077", cls.secret.uuid)
        cls.program = env["g2p.program"].create({"name": "Forms programme", "state": "active"})
        cls.client = env["g2p.api.client"].create({"name": "Forms partner"})
        # what the pipeline proposed in company B: a new person who may be the secret one
        cls.request = env["g2p.change.request"].create(
            {
                "operation": "add",
                "target": "individual",
                "company_id": cls.company_b.id,
                "proposed_values": json.dumps({"given_name": "Zyxsecret", "family_name": "Qwvpersen"}),
            }
        )
        cls.line = env["g2p.change.request.duplicate"].create(
            {"request_id": cls.request.id, "partner_id": cls.secret.id, "score": 0.9, "reasons": "similar name"}
        )
        a, b = cls.company_a, cls.company_b
        staff_users(cls, a | b, internal="form_plain")
        staff_users(cls, a, viewer="form_viewer_a", officer="form_officer_a", api_manager="form_api_manager_a")
        staff_users(cls, b, viewer="form_viewer_b", officer="form_officer_b")

    def _onchange(self, model, values, spec, context=None):
        """The whole JSON-RPC answer to ``model.onchange`` of a new record (the result, or the error with its
        message)."""
        params = {"model": model, "method": "onchange", "args": [[], values, [], spec], "kwargs": {"context": context}}
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/onchange",
                json.dumps({"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}),
                headers={"Content-Type": "application/json"},
            )
        self.env.invalidate_all()
        return response.json()

    def _counts(self):
        return {name: self.env[name].sudo().with_context(active_test=False).search_count([]) for name in COUNTED}

    def _attacks(self):
        secret = self.secret.id
        named_in_a_programme = {"partner_id": secret, "program_id": self.program.id}
        parent_named = {"parent_name": {}, "parent_id": {"fields": {"display_name": {}}}}
        return [
            # the possible duplicate's comparison: name, birth date, city, uuid, national id, households
            ("g2p.change.request.duplicate", {"partner_id": secret}, CANDIDATE_SPEC, None),
            ("g2p.change.request.duplicate", {}, CANDIDATE_SPEC, {"default_partner_id": secret}),
            # display names: the consent's and the membership's own, and any many2one's (Odoo reads them as sudo)
            ("g2p.consent", {"partner_id": secret}, {"display_name": {}}, None),
            ("g2p.consent", {"partner_id": secret}, {"partner_id": {"fields": {"display_name": {}}}}, None),
            ("g2p.program.membership", named_in_a_programme, {"display_name": {}}, None),
            ("g2p.api.delivery", {"registrant_ids": [(6, 0, [secret])]}, {"display_name": {}}, None),
            ("g2p.change.request", {"registrant_id": secret}, {"subject_name": {}, "display_name": {}}, None),
            (
                "g2p.change.request",
                {
                    "target": "group",
                    "duplicate_ids": [(0, 0, {"partner_id": secret, "kind": "existing_person", "member_index": 0})],
                },
                {"diff_html": {}, "duplicate_ids": {"fields": CANDIDATE_SPEC}},
                None,
            ),
            # Odoo's own contacts: a plain contact whose parent is a registrant
            ("res.partner", {"parent_id": secret}, parent_named, None),
        ]

    def _assert_refused_and_nothing_told(self, login, attacks):
        self._as(login)
        before = self._counts()
        for model, values, spec, context in attacks:
            with self.subTest(login=login, model=model, values=values, context=context):
                answer = self._onchange(model, values, spec, context)
                self.assertNotIn("result", answer, f"{login} built a {model} naming the registrant")
                self.assertEqual(answer["error"]["data"]["name"], ACCESS_ERROR)
                told = json.dumps(answer)
                for secret in self.secrets:
                    self.assertNotIn(secret, told)
        self.assertEqual(self._counts(), before, "nothing stored")

    def test_an_employee_without_a_registry_role_reads_nobody_through_a_form(self):
        self._assert_refused_and_nothing_told("form_plain", self._attacks())

    def test_staff_of_another_company_read_nobody_through_a_form(self):
        for login in ("form_viewer_a", "form_officer_a", "form_api_manager_a"):
            self._assert_refused_and_nothing_told(login, self._attacks())

    def test_a_proposal_naming_a_hidden_member_shows_the_uuid_only(self):
        # a household naming the registrant by uuid: shown as a person no longer registered would be (the uuid
        # given, nothing read), as for a uuid nobody holds
        self._as("form_officer_a")
        proposal = {"name": "Forms household", "members": [{"individual": self.secret.uuid, "kinds": []}]}
        answer = self._onchange(
            "g2p.change.request", {"target": "group", "proposed_values": json.dumps(proposal)}, {"diff_html": {}}
        )
        told = json.dumps(answer["result"])
        for secret in self.secrets[:-1]:
            self.assertNotIn(secret, told)

    def test_staff_of_the_registrants_company_still_compare_and_name_it(self):
        self._as("form_viewer_b")
        fields = ["candidate_name", "candidate_birthdate", "candidate_city", "candidate_uuid", "candidate_identifiers"]
        [line], error = self.call_kw("g2p.change.request.duplicate", "read", [self.line.ids, fields])
        self.assertIsNone(error)
        national_id = self.env.ref("g2p_partner_api.id_type_national_id").name
        self.assertEqual(
            [line[name] for name in fields],
            ["Zyxsecret Qwvperson", "1977-07-07", "Hiddentownzz", self.secret.uuid, f"{national_id}: 55500077"],
        )
        self._as("form_officer_b")
        answer = self._onchange("g2p.consent", {"partner_id": self.secret.id}, {"display_name": {}})
        self.assertIn("Zyxsecret Qwvperson", answer["result"]["value"]["display_name"])
        # the staff of company A: the line itself is not theirs (the company rule), the registrant not named
        self._as("form_viewer_a")
        _line, error = self.call_kw("g2p.change.request.duplicate", "read", [self.line.ids, fields])
        self.assertEqual(error, ACCESS_ERROR)


@tagged("post_install", "-at_install")
class TestOnchangeOfModelsMadeInSettings(TransactionCase):
    def test_a_form_of_a_model_made_in_settings_still_opens(self):
        """A model an administrator creates in Settings (``x_*``) belongs to no addon: the suite's onchange guard
        must let its forms work (it raised AttributeError on the missing module name)."""
        self.env["ir.model"].create(
            {
                "name": "Household visit (made in Settings)",
                "model": "x_household_visit",
                "field_id": [(0, 0, {"name": "x_name", "ttype": "char", "field_description": "Visit"})],
                "access_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "visits",
                            "group_id": self.env.ref("base.group_user").id,
                            "perm_read": True,
                            "perm_write": True,
                            "perm_create": True,
                        },
                    )
                ],
            }
        )
        clerk = new_test_user(self.env, "settings_model_clerk", groups="base.group_user")
        answer = self.env["x_household_visit"].with_user(clerk).onchange({"x_name": "Visit"}, [], {"x_name": {}})
        self.assertEqual(answer["value"], {"x_name": "Visit"})

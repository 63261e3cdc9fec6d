"""A value ``create`` refuses when given is refused as a default too. Odoo fills the fields ``create`` was not
given from the context's ``default_<field>`` keys (which a JSON-RPC caller sends as it likes, and which follow
the call into the registry's own ``sudo()`` creates) and from ``ir.default`` (personal defaults every employee
may keep), after the checks of ``vals``. Each attack goes through the web client's JSON-RPC routes and must be
refused with the database unchanged; what the registry's code creates for a caller takes none of its defaults;
the forms' own defaults still work for the people they are for."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"
THIEF_URL = "https://collector.thief.example.net/g2p"
NATIONAL_ID = "urn:g2p:id:national-id"


@tagged("post_install", "-at_install")
class TestCallerDefaults(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.updated = env.ref("g2p_partner_api.event_individual_updated")
        cls.archived = env.ref("g2p_partner_api.event_individual_archived")
        cls.partner = env["g2p.api.client"].create({"name": "Payments partner"})
        cls.colluder = env["g2p.api.client"].create({"name": "Colluding client"})
        cls.subscription = env["g2p.api.subscription"].create(
            {
                "name": "Payments hook",
                "client_id": cls.partner.id,
                "target_url": "https://hooks.partner.example.org/g2p",
                "event_type_ids": [(6, 0, (cls.updated | cls.archived).ids)],
            }
        )
        nid = env["g2p.id.type"].search([("namespace_uri", "=", NATIONAL_ID)], limit=1)
        cls.person = env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Chikondi",
                "family_name": "Phiri",
                "birthdate": "1970-04-04",
                "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": "94100001"})],
            }
        )
        cls._user("cd_api_manager", "g2p_partner_api.group_api_manager")
        cls._user("cd_officer", "g2p_partner_api.group_registry_officer")
        cls.approver = cls._user("cd_approver", "g2p_partner_api.group_registry_approver")
        cls._user("cd_viewer", "g2p_partner_api.group_registry_viewer")

    def _state(self):
        self.env.invalidate_all()
        counts = {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in (
                "g2p.api.client",
                "g2p.api.subscription",
                "g2p.api.subscription.event",
                "g2p.ingest.data.model",
                "g2p.change.request",
                "g2p.consent",
                "ir.default",
            )
        }
        return counts, self.subscription._event_settings("individual.archived")

    def _refused(self, login, attacks):
        self._as(login)
        before = self._state()
        for model, method, args, context in attacks:
            with self.subTest(model=model, method=method, context=context), mute_logger("odoo.http"):
                result, error = self.call_kw(model, method, args, {"context": context})
                self.assertIsNone(result)
                self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._state(), before, "nothing created")

    def _data_model_vals(self):
        person = self.env.ref("g2p_partner_ingest.data_model_person_json")
        vals = person.copy_data()[0]
        vals = {name: value for name, value in vals.items() if not isinstance(value, list | tuple)}
        vals.pop("auto_approve", None)
        vals.pop("duplicate_policy", None)
        return dict(vals, mnemonic="PERSON_BY_DEFAULT", name="Person by default")

    def test_api_manager_switches_nothing_off_through_context_defaults(self):
        unsafe_client = {
            "default_legal_basis_enabled": True,
            "default_legal_basis": "none",
            "default_is_registering_agent": True,
            "default_ingest_allow_unsigned": True,
            "default_dci_verify_signature": False,
        }
        self._refused(
            "cd_api_manager",
            [
                ("g2p.api.client", "create", [{"name": "Reads everyone"}], unsafe_client),
                ("g2p.api.client", "create", [{"name": "Unlimited"}], {"default_rate_limit_per_minute": -1}),
                ("g2p.api.client", "create", [{"name": "Recorder"}], {"default_consent_scope_ids": [1]}),
                (
                    "g2p.api.subscription.event",
                    "create",
                    [{"subscription_id": self.subscription.id, "event_type_id": self.archived.id}],
                    {"default_url_template": THIEF_URL + "/{{ subject }}"},
                ),
                ("g2p.api.subscription", "create", [{"name": "Mine"}], {"default_client_id": self.partner.id}),
                (
                    "g2p.ingest.data.model",
                    "create",
                    [self._data_model_vals()],
                    {"default_auto_approve": True, "default_duplicate_policy": "reject"},
                ),
            ],
        )

    def test_approver_neither_approves_its_own_proposal_nor_signs_it_as_a_partner(self):
        proposal = {
            "operation": "add",
            "target": "individual",
            "proposed_values": json.dumps({"given_name": "Own", "family_name": "Approval", "birthdate": "1990-01-01"}),
        }
        self._refused(
            "cd_approver",
            [
                ("g2p.change.request", "create", [proposal], {"default_submitted_by_id": self.approver.id + 1}),
                ("g2p.change.request", "create", [proposal], {"default_client_id": self.partner.id}),
                ("g2p.change.request", "create", [proposal], {"default_state": "approved"}),
            ],
        )

    def _consent_vals(self):
        purpose = self.env["g2p.vocabulary.code"].search(
            [("namespace_uri", "=", "urn:g2p:vocab:consent-purpose")], limit=1
        )
        scope = self.env["g2p.api.scope"].search([("code", "=", "individual:read")])
        return {
            "partner_id": self.person.id,
            "client_id": self.partner.id,
            "purpose_id": purpose.id,
            "scope_ids": [(6, 0, scope.ids)],
        }

    def _consent(self):
        return self.env["g2p.consent"].create(self._consent_vals())

    def test_officer_gives_no_provenance_nor_server_field_as_default(self):
        consent = self._consent_vals()
        self._refused(
            "cd_officer",
            [
                ("g2p.consent", "create", [consent], {"default_source_client_id": self.colluder.id}),
                ("g2p.consent", "create", [consent], {"default_state": "withdrawn"}),
                ("res.partner", "create", [{"name": "Archived by default"}], {"default_archived_at": "2020-01-01"}),
            ],
        )

    def test_nobody_but_an_administrator_keeps_defaults_of_the_registrys_fields(self):
        self._refused(
            "cd_api_manager",
            [
                ("ir.default", "set", ["g2p.api.client", "legal_basis_enabled", True, True], {}),
                ("ir.default", "set", ["g2p.api.subscription.event", "url_template", THIEF_URL, True], {}),
            ],
        )
        # Odoo's own fields keep their personal defaults
        _result, error = self.call_kw("ir.default", "set", ["res.partner", "lang", "en_US", True])
        self.assertIsNone(error)

    def test_what_the_registry_creates_for_a_caller_takes_none_of_its_defaults(self):
        # a household proposed by hand naming a registered person: the registry writes the candidate line (sudo)
        # in the Officer's call, whose context says the candidate is already decided
        self._as("cd_officer")
        member = {
            "given_name": "Mallory",
            "family_name": "Side",
            "birthdate": "2001-01-01",
            "identifiers": [{"system": NATIONAL_ID, "value": "94100001"}],
            "kinds": ["head"],
        }
        household = {"name": "Side household", "members": [member]}
        decided = {"default_resolution": "update", "default_resolved_by_id": self.approver.id}
        created, error = self.call_kw(
            "g2p.change.request",
            "create",
            [{"operation": "add", "target": "group", "proposed_values": json.dumps(household)}],
            {"context": decided},
        )
        self.assertIsNone(error)
        request = self.env["g2p.change.request"].browse(created)
        self.assertEqual(request.duplicate_ids.partner_id, self.person)
        self.assertEqual(
            (request.duplicate_ids.resolution, request.duplicate_ids.resolved_by_id, request.needs_decision),
            (False, self.env["res.users"], True),
        )
        # a consent's receipt, downloaded by a Viewer whose context would make the attachment public (readable by
        # anyone with its URL, no login)
        consent = self._consent()
        self._as("cd_viewer")
        _result, error = self.call_button(
            "g2p.consent", "action_download_receipt", [consent.id], {"default_public": True, "default_res_id": 1}
        )
        self.assertIsNone(error)
        receipt = self.env["ir.attachment"].search([("res_model", "=", "g2p.consent"), ("res_id", "=", consent.id)])
        self.assertEqual(len(receipt), 1)
        self.assertFalse(receipt.public)

    def test_the_forms_defaults_still_serve_their_users(self):
        self._as("cd_officer")
        form = {"default_is_registrant": True, "default_is_group": False, "default_company_type": "person"}
        created, error = self.call_kw(
            "res.partner", "create", [{"given_name": "Form", "family_name": "Default"}], {"context": form}
        )
        self.assertIsNone(error)
        person = self.env["res.partner"].browse(created)
        self.assertTrue(person.is_registrant)
        self.assertTrue(person.uuid)
        self.assertEqual(person.name, "Form Default")

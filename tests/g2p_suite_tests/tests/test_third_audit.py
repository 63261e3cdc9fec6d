"""The third audit's attacks (seed 000: the suite as of 30cc84d), each performed through the web client's
JSON-RPC routes or the mounted apps, each asserting the refusal and a database left as it was."""

import base64
import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_dci_search.tests.common import DciCase
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase, JsonRpcAttackMixin
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase
from odoo.addons.g2p_partner_ingest.tests.test_ingest_file_upload import CSV as UPLOADED_CSV

from .two_registries import payment_consent, registrant, renaming_request, second_registry, staff_users

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestCompanyWalls(JsonRpcAttackMixin, HttpCase):
    """Staff of company A and the parts of a registrant of company B: the registrant itself is hidden by
    Odoo's rule on contacts, so are its identifiers, memberships, consents, disclosures and the change
    requests and possible duplicates naming it (they carried its name and identifiers to anyone of any
    company), and nobody of A approves, rejects or decides about them by id."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env.company
        cls.company_b = second_registry(env)
        cls.bea = registrant(env, cls.company_b, "Bea", "Zzwalled")
        cls.household = env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "name": "Zzwalled household", "company_id": cls.company_b.id}
        )
        cls.client = env["g2p.api.client"].create({"name": "Walls partner"})
        cls.program = env["g2p.program"].create({"name": "Walls programme", "state": "active"})
        cls.parts = {
            "g2p.reg.id": env["g2p.reg.id"].create(
                {"partner_id": cls.bea.id, "id_type_id": env["g2p.id.type"].search([], limit=1).id, "value": "WALL-1"}
            ),
            "g2p.group.membership": env["g2p.group.membership"].create(
                {"group_id": cls.household.id, "individual_id": cls.bea.id}
            ),
            "g2p.program.membership": env["g2p.program.membership"].create(
                {"program_id": cls.program.id, "partner_id": cls.bea.id}
            ),
            "g2p.consent": payment_consent(env, cls.bea, cls.client, "FORM-WALL"),
            "g2p.change.request": renaming_request(env, cls.bea),
        }
        env["g2p.api.disclosure"].sudo()._record(cls.client, cls.bea.ids, "rest_read", "individual:read")
        cls.parts["g2p.api.disclosure"] = env["g2p.api.disclosure"].search([("partner_id", "=", cls.bea.id)])
        cls.parts["g2p.consent.history"] = cls.parts["g2p.consent"].history_ids[:1]
        subscription = env["g2p.api.subscription"].create(
            {
                "name": "Walls subscription",
                "client_id": cls.client.id,
                "target_url": "https://1.1.1.1/walls",
                "event_type_ids": [(6, 0, env["g2p.api.event.type"].search([], limit=1).ids)],
            }
        )
        cls.parts["g2p.api.external.ref"] = env["g2p.api.external.ref"].create(
            {
                "subscription_id": subscription.id,
                "record_uuid": cls.bea.uuid,
                "partner_id": cls.bea.id,
                "external_id": "PAYER-WALL-1",
            }
        )
        # what was sent about Bea (her data in the body) and what a programme's event sent (nobody named)
        Delivery = env["g2p.api.delivery"].sudo()
        sent = {
            "subscription_id": subscription.id,
            "client_id": cls.client.id,
            "url": "https://1.1.1.1/walls",
            "http_method": "POST",
            "state": "failed",
        }
        cls.delivery = Delivery.create(
            dict(
                sent,
                event_type="individual.updated",
                event_id="walls-1",
                subject=cls.bea.uuid,
                body=json.dumps({"given_name": "Bea", "family_name": "Zzwalled"}),
                registrant_ids=[(6, 0, cls.bea.ids)],
            )
        )
        cls.attempt = (
            env["g2p.api.delivery.attempt"]
            .sudo()
            .create({"delivery_id": cls.delivery.id, "attempt_no": 1, "status_code": 500, "response_excerpt": "Bea?"})
        )
        cls.programme_delivery = Delivery.create(
            dict(sent, event_type="programme.updated", event_id="walls-2", body=json.dumps({"name": "Walls"}))
        )
        # a proposal of a new person (made in company A: its staff's) the pipeline found may be Bea
        cls.add_request = env["g2p.change.request"].create(
            {
                "operation": "add",
                "target": "individual",
                "proposed_values": json.dumps({"given_name": "Beatrice", "family_name": "Zzwalled"}),
            }
        )
        cls.parts["g2p.change.request.duplicate"] = env["g2p.change.request.duplicate"].create(
            {"request_id": cls.add_request.id, "partner_id": cls.bea.id, "score": 0.9, "reasons": "same name"}
        )
        a_only = staff_users(
            cls, cls.company_a, viewer="wall_viewer", approver="wall_approver", api_manager="wall_api_manager"
        )
        cls.approver_a = a_only["wall_approver"]
        staff_users(cls, cls.company_a | cls.company_b, approver="wall_approver_ab")
        for record in cls.parts.values():
            assert len(record) == 1, record

    @mute_logger("odoo.http")
    def test_staff_of_another_company_read_none_of_a_registrants_parts(self):
        for login in ("wall_viewer", "wall_approver", "wall_api_manager"):
            self._as(login)
            for model, record in self.parts.items():
                found, error = self.call_kw(model, "search_read", [[("id", "=", record.id)], ["display_name"]])
                self.assertEqual((found, error), ([], None), f"{login} searched {model}")
                _read, error = self.call_kw(model, "read", [record.ids, ["display_name"]])
                self.assertEqual(error, ACCESS_ERROR, f"{login} read {model} by id")
            counted, _error = self.call_kw("res.partner", "search_count", [[("id", "=", self.bea.id)]])
            self.assertEqual(counted, 0, "the registrant itself: Odoo's rule on contacts")
        self._as("wall_approver_ab")
        for model, record in self.parts.items():
            found, error = self.call_kw(model, "read", [record.ids, ["display_name"]])
            self.assertIsNone(error, f"staff of both companies read {model}")
            self.assertEqual([row["id"] for row in found], record.ids)

    @mute_logger("odoo.http")
    def test_api_manager_of_another_company_reads_no_delivery_naming_a_registrant(self):
        """A delivery's body is the data of the registrants its event names: an API Manager of company A neither
        finds nor reads (nor sends again) one naming B's Bea, nor its attempts; one naming nobody stays every
        company's; an API Manager of both reads both."""
        self.deliveries = self.delivery | self.programme_delivery
        self._as("wall_api_manager")
        found, error = self.call_kw("g2p.api.delivery", "search_read", [[("id", "in", self.deliveries.ids)], ["id"]])
        self.assertEqual((error, [row["id"] for row in found]), (None, self.programme_delivery.ids))
        for model, record, method, args in (
            ("g2p.api.delivery", self.delivery, "read", [["body"]]),
            ("g2p.api.delivery.attempt", self.attempt, "read", [["response_excerpt"]]),
            ("g2p.api.delivery", self.delivery, "action_resend", []),
        ):
            _result, error = self.call_kw(model, method, [record.ids, *args])
            self.assertEqual(error, ACCESS_ERROR, f"{model}.{method}")
        found, error = self.call_kw("g2p.api.delivery.attempt", "search_read", [[("id", "=", self.attempt.id)], ["id"]])
        self.assertEqual((found, error), ([], None))
        self.delivery.invalidate_recordset()
        self.assertEqual((self.delivery.state, self.delivery.attempt_count), ("failed", 0), "not sent again")
        staff_users(self, self.company_a | self.company_b, api_manager="wall_api_manager_ab")
        self._as("wall_api_manager_ab")
        found, error = self.call_kw("g2p.api.delivery", "search_read", [[("id", "in", self.deliveries.ids)], ["id"]])
        self.assertEqual(
            (error, sorted(row["id"] for row in found)), (None, sorted((self.delivery | self.programme_delivery).ids))
        )
        _read, error = self.call_kw("g2p.api.delivery.attempt", "read", [self.attempt.ids, ["response_excerpt"]])
        self.assertIsNone(error)

    @mute_logger("odoo.http")
    def test_staff_of_another_company_change_none_of_a_registrants_parts(self):
        reg_id, consent = self.parts["g2p.reg.id"], self.parts["g2p.consent"]
        self._as("wall_approver")
        attacks = [
            ("g2p.reg.id", "write", [reg_id.ids, {"value": "WALL-2"}]),
            ("g2p.reg.id", "create", [{"partner_id": self.bea.id, "id_type_id": reg_id.id_type_id.id, "value": "X"}]),
            ("g2p.consent", "write", [consent.ids, {"evidence_reference": "FORGED"}]),
            ("g2p.consent", "action_withdraw", [consent.ids]),
            ("g2p.group.membership", "unlink", [self.parts["g2p.group.membership"].ids]),
            ("g2p.program.membership", "action_enroll", [self.parts["g2p.program.membership"].ids]),
        ]
        for model, method, args in attacks:
            _result, error = self.call_kw(model, method, args)
            self.assertEqual(error, ACCESS_ERROR, f"{model}.{method}")
        for record in self.parts.values():
            record.invalidate_recordset()
        self.assertEqual(reg_id.value, "WALL-1")
        self.assertEqual(self.env["g2p.reg.id"].search_count([("partner_id", "=", self.bea.id)]), 1)
        self.assertEqual((consent.state, consent.evidence_reference), ("active", "FORM-WALL"))
        self.assertTrue(self.parts["g2p.group.membership"].exists())
        self.assertEqual(self.parts["g2p.program.membership"].state, "draft")

    @mute_logger("odoo.http")
    def test_approver_of_another_company_reviews_nothing_by_id(self):
        request = self.parts["g2p.change.request"]
        duplicate = self.parts["g2p.change.request.duplicate"]
        self._as("wall_approver")
        for model, method, ids, args in (
            ("g2p.change.request", "action_approve", request.ids, []),
            ("g2p.change.request", "action_reject", request.ids, ["not ours"]),
            ("g2p.change.request.duplicate", "action_merge", duplicate.ids, []),
            ("g2p.change.request.duplicate", "action_not_duplicate", duplicate.ids, []),
        ):
            _result, error = self.call_kw(model, method, [ids, *args])
            self.assertEqual(error, ACCESS_ERROR, f"{model}.{method}")
        for record in (request, duplicate, self.add_request, self.bea):
            record.invalidate_recordset()
        self.assertEqual((request.state, request.reviewer_id.id), ("pending", False))
        self.assertEqual(self.bea.family_name, "Zzwalled")
        self.assertFalse(duplicate.resolution)
        self.assertEqual((self.add_request.operation, self.add_request.registrant_id.id), ("add", False))

    def test_a_hidden_candidate_still_blocks_approval_and_is_not_named(self):
        """The new person's proposal is everyone's to review, but the line naming Bea is not: approving it
        without that decision would register Bea twice, and the refusal must not tell A's approver her name."""
        with self.assertRaises(UserError) as refused:
            self.add_request.with_user(self.approver_a).action_approve()
        message = str(refused.exception)
        self.assertIn("cannot be approved yet", message)
        self.assertNotIn(self.bea.display_name, message)
        self.assertNotIn(self.bea.uuid, message)
        self.add_request.invalidate_recordset()
        self.assertEqual((self.add_request.state, self.add_request.registrant_id.id), ("pending", False))
        self.assertEqual(self.env["res.partner"].search_count([("family_name", "=", "Zzwalled")]), 1)


@tagged("post_install", "-at_install")
class TestCompanyWallsRawAndNewPeople(JsonRpcAttackMixin, IngestCase, HttpCase):
    """What a partner sent (the raw item: personal data) and the proposal of a new person it became belong to the
    company of the endpoint it came through: staff of another company neither read nor review them (they had no
    company, so no rule placed them); the staff of that company still do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = second_registry(cls.env, "ingest")
        cls._move_endpoint(cls.endpoint, cls.company_b)
        cls.staff = staff_users(
            cls, cls.company_a, viewer="rawco_viewer_a", officer="rawco_officer_a", approver="rawco_approver_a"
        ) | staff_users(cls, cls.company_b, approver="rawco_approver_b")

    def _ingest_new_person(self):
        """A new person sent through B's endpoint."""
        body = self.body({"person": self.person(nid="98200001", first="Rawco", last="Zzwalled")})
        _data, raw = self.ingest(body, params={"data_model": "PERSON_JSON"})
        self.assertEqual(raw.state, "done", raw.error_message)
        return raw, raw.change_request_id

    def test_the_endpoint_not_the_sender_gives_the_company(self):
        # a sender naming company A wherever it could is refused, naming each place (it used to be ignored)
        item = dict(self.person(nid="98200002", first="Rawco", last="Naming"), company_id=self.company_a.id)
        body = self.body({"person": item, "company_id": self.company_a.id})
        _data, named = self.ingest(body, params={"data_model": "PERSON_JSON"})
        self.assertEqual(named.state, "failed")
        self.assertIn("person.company_id", named.error_message)
        self.assertIn("company_id (unknown field)", named.error_message)
        self.assertFalse(named.change_request_id)
        self.assertIn('"company_id"', named.payload, "what was sent is kept as sent")
        self.assertEqual(named.company_id, self.company_b)
        raw, request = self._ingest_new_person()
        self.assertEqual(request.operation, "add")
        self.assertEqual((raw.company_id, request.company_id), (self.company_b, self.company_b))

    @mute_logger("odoo.http")
    def test_staff_of_another_company_read_neither_the_item_nor_the_proposal(self):
        raw, request = self._ingest_new_person()
        for login in ("rawco_viewer_a", "rawco_approver_a"):
            self._as(login)
            for model, record in (("g2p.ingest.raw", raw), ("g2p.change.request", request)):
                found, error = self.call_kw(model, "search_read", [[("id", "=", record.id)], ["display_name"]])
                self.assertEqual((found, error), ([], None), f"{login} searched {model}")
                _read, error = self.call_kw(model, "read", [record.ids, ["payload" if record is raw else "name"]])
                self.assertEqual(error, ACCESS_ERROR, f"{login} read {model} by id")
            found, _error = self.call_kw("g2p.change.request", "search_read", [[("subject_name", "ilike", "Rawco")]])
            self.assertEqual(found, [], login)
        self._as("rawco_approver_b")
        for model, record in (("g2p.ingest.raw", raw), ("g2p.change.request", request)):
            found, error = self.call_kw(model, "read", [record.ids, ["display_name"]])
            self.assertEqual((error, [row["id"] for row in found]), (None, record.ids), model)

    @mute_logger("odoo.http")
    def test_an_approver_of_another_company_reviews_no_new_person_and_the_company_is_nobodys_to_change(self):
        raw, request = self._ingest_new_person()
        edited = request.proposed_values.replace("Rawco", "Forged")
        for login, model, method, args in (
            ("rawco_officer_a", "g2p.ingest.raw", "action_retry", [raw.ids]),
            ("rawco_officer_a", "g2p.change.request", "write", [request.ids, {"proposed_values": edited}]),
            ("rawco_approver_a", "g2p.change.request", "action_approve", [request.ids]),
            ("rawco_approver_a", "g2p.change.request", "action_reject", [request.ids, "not ours"]),
        ):
            self._as(login)
            _result, error = self.call_kw(model, method, args)
            self.assertEqual(error, ACCESS_ERROR, f"{login}: {model}.{method}")
        # the company is the server's: not given to a proposal by hand, not moved by anyone
        by_hand = {"operation": "add", "target": "individual", "company_id": self.company_b.id}
        for login in ("rawco_officer_a", "rawco_approver_b"):
            self._as(login)
            for model, method, args in (
                ("g2p.change.request", "create", [dict(by_hand, proposed_values=request.proposed_values)]),
                ("g2p.change.request", "write", [request.ids, {"company_id": self.company_a.id}]),
                ("g2p.ingest.raw", "write", [raw.ids, {"company_id": self.company_a.id}]),
            ):
                _result, error = self.call_kw(model, method, args)
                self.assertEqual(error, ACCESS_ERROR, f"{login}: {model}.{method}")
        self.env.invalidate_all()
        self.assertEqual(
            (request.state, request.reviewer_id.id, request.company_id), ("pending", False, self.company_b)
        )
        self.assertEqual(raw.company_id, self.company_b)
        self.assertEqual(self.CR.search_count([("subject_name", "ilike", "Rawco")]), 1)
        self.assertNotIn("Forged", request.proposed_values)
        self.assertFalse(
            self.env["res.partner"].search([("family_name", "=", "Zzwalled"), ("given_name", "=", "Rawco")])
        )
        # B's approver reviews it
        self._as("rawco_approver_b")
        _result, error = self.call_kw("g2p.change.request", "action_approve", [request.ids])
        self.assertIsNone(error)
        request.invalidate_recordset()
        self.assertEqual(request.reviewer_id.login, "rawco_approver_b")
        self.assertEqual(request.state, "applied", request.error_message)

    @mute_logger("odoo.http")
    def test_the_people_a_request_registers_are_its_company(self):
        """Approved by B's approver, the new person is B's (not the approver's other companies', not everyone's):
        A's staff do not find it; and so are a new household and its new members, one by one or in a batch."""
        _raw, request = self._ingest_new_person()
        self._as("rawco_approver_b")
        _result, error = self.call_kw("g2p.change.request", "action_approve", [request.ids])
        self.assertIsNone(error)
        self.env.invalidate_all()
        person = request.registrant_id
        self.assertEqual((request.state, person.given_name, person.company_id), ("applied", "Rawco", self.company_b))
        self._as("rawco_viewer_a")
        found, error = self.call_kw("res.partner", "search_read", [[("given_name", "=", "Rawco")], ["name"]])
        self.assertEqual((found, error), ([], None))
        _read, error = self.call_kw("res.partner", "read", [person.ids, ["name"]])
        self.assertEqual(error, ACCESS_ERROR)

        def proposal(suffix):
            member = {"given_name": f"Member{suffix}", "family_name": "Zzwalled", "birthdate": "2001-01-01"}
            household = {"name": f"Zzwalled household {suffix}", "members": [dict(member, kinds=["head"])]}
            return {"operation": "add", "target": "group", "proposed_values": json.dumps(household)}

        def individual(suffix):
            person = {"given_name": f"Batch{suffix}", "family_name": "Zzwalled", "birthdate": "2002-02-02"}
            return {"operation": "add", "target": "individual", "proposed_values": json.dumps(person)}

        # as the pipeline makes them: the company is the one the items came through
        made = self.CR.sudo().create(
            [dict(vals, company_id=self.company_b.id) for vals in (proposal("1"), individual("1"), individual("2"))]
        )
        made[0].sudo()._apply()
        made[1:].sudo()._apply_batch()
        self.env.invalidate_all()
        self.assertEqual(made.mapped("state"), ["applied"] * 3, made.mapped("error_message"))
        household = made[0].registrant_id
        registered = household | household.group_member_ids.individual_id | made[1:].registrant_id
        self.assertEqual(len(registered), 4)
        self.assertEqual(registered.company_id, self.company_b)

    def test_a_partner_changes_nobody_its_endpoints_company_does_not_see(self):
        """An item naming the identifier of a registrant of company A, sent through B's endpoint, is no UPDATE of
        A's registrant (B's staff would review a change of someone they cannot see, made by a partner who cannot
        see them): it is an ADD, held by the duplicate check, which B's approver cannot pass and which does not name
        A's registrant; a registrant of no company is matched as before."""
        of_a = registrant(self.env, self.company_a, "Anna", "Zzwalled", national_id="98200011")
        shared = registrant(self.env, self.env["res.company"], "Sami", "Zzwalled", national_id="98200012")
        before = (of_a.given_name, of_a.write_date)
        items = [self.person(nid="98200011", first="Renamed", last="Zzwalled"), self.person(nid="98200012")]
        self.person_list_model("WALLS_LIST")  # auto-approved: what the duplicate check holds waits all the same
        _data, raws = self.ingest(self.body({"people": items}), params={"data_model": "WALLS_LIST"})
        self.assertEqual(raws.mapped("state"), ["done", "done"], raws.mapped("error_message"))
        hidden, matched = raws.change_request_id.sorted(lambda r: r.ingest_raw_id.item_index)
        self.assertEqual(
            (hidden.operation, hidden.registrant_id, hidden.company_id, hidden.needs_decision),
            ("add", self.env["res.partner"], self.company_b, True),
        )
        self.assertEqual(hidden.duplicate_ids.partner_id, of_a, "the duplicate check holds it")
        self.assertEqual((matched.operation, matched.registrant_id), ("update", shared))
        approver_b = self.staff["rawco_approver_b"]
        with self.assertRaises(UserError) as refused:
            hidden.with_user(approver_b).action_approve()
        self.assertNotIn(of_a.uuid, str(refused.exception))
        self.assertNotIn("Anna", str(refused.exception))
        self.env.invalidate_all()
        self.assertEqual((of_a.given_name, of_a.write_date), before)
        self.assertEqual(hidden.state, "pending")

    def test_an_uploaded_file_is_its_uploaders_company(self):
        officer_a = self.staff["rawco_officer_a"]
        wizard = (
            self.env["g2p.ingest.file.upload.wizard"]
            .with_user(officer_a)
            .create(
                {
                    "client_id": self.client.id,
                    "data_model_id": self.env.ref("g2p_partner_ingest.data_model_person_json").id,
                    "file": base64.b64encode(UPLOADED_CSV),
                    "file_name": "walls.csv",
                }
            )
        )
        rows = self.Raw.search(wizard.action_upload()["domain"])
        self.assertEqual((len(rows), rows.company_id), (1, self.company_a))
        self.run_jobs()
        self.assertEqual(rows.change_request_id.company_id, self.company_a)
        approver_b = self.staff["rawco_approver_b"]
        self.assertFalse(self.Raw.with_user(approver_b).search([("id", "=", rows.id)]))

    def test_a_proposal_by_hand_is_its_makers_company(self):
        officer_a = self.staff["rawco_officer_a"]
        proposed = json.dumps({"given_name": "Handy", "family_name": "Zzwalled"})
        request = self.CR.with_user(officer_a).create(
            {"operation": "add", "target": "individual", "proposed_values": proposed}
        )
        self.assertEqual(request.sudo().company_id, self.company_a)
        approver_b = self.staff["rawco_approver_b"]
        self.assertFalse(self.CR.with_user(approver_b).search([("id", "=", request.id)]))


@tagged("post_install", "-at_install")
class TestCompanyOfPeopleRegisteredThroughTheApi(G2PApiCase):
    """A person or household a partner registers through the REST API is the company's of the endpoint it came
    through, as what it sends to ingest: staff of another company do not read it; the partner reads it back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = second_registry(cls.env, "REST")
        cls.endpoint.user_id.write({"company_ids": [(4, cls.company_b.id)]})
        cls.endpoint.company_id = cls.company_b
        cls.client, cls.secret = cls._create_client(
            "Walls registrar", scopes=["individual:write", "individual:read", "group:write", "group:read"]
        )
        cls.viewer_a = new_test_user(cls.env, "restco_viewer_a", groups="g2p_partner_api.group_registry_viewer")

    def test_registered_people_are_the_endpoints_company(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            person = api.post(
                "/api/v2/Individual", json={"given_name": "Resta", "family_name": "Zzwalled"}, headers=headers
            )
            self.assertEqual(person.status_code, 201, person.text)
            uuid = person.json()["uuid"]
            household = api.post(
                "/api/v2/Group",
                json={
                    "name": "Zzwalled REST household",
                    "members": [
                        {"individual": uuid},
                        {"new_individual": {"given_name": "Restb", "family_name": "Zzwalled"}},
                    ],
                },
                headers=headers,
            )
            self.assertEqual(household.status_code, 201, household.text)
            read_back = api.get(f"/api/v2/Individual/{uuid}", headers=headers)
            self.assertEqual(read_back.status_code, 200, read_back.text)
        registered = self.env["res.partner"].search([("family_name", "=", "Zzwalled")]) | self.env[
            "res.partner"
        ].search([("name", "=", "Zzwalled REST household")])
        self.assertEqual(len(registered), 3)
        self.assertEqual(registered.company_id, self.company_b)
        self.assertFalse(self.env["res.partner"].with_user(self.viewer_a).search([("id", "in", registered.ids)]))


@tagged("post_install", "-at_install")
class TestEndpointMovedToAnotherCompany(HttpCase):
    """Through the real HTTP stack (Odoo's dispatcher and OCA's pool of FastAPI apps, whose middleware holds the
    endpoint's company): an endpoint moved to another company works for it from the next call, with no restart;
    a person registered before is the former's, one after the latter's."""

    def _register(self, token, given_name):
        response = self.url_open(
            "/api/v2/Individual",
            data=json.dumps({"given_name": given_name, "family_name": "Zzmoved"}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        return self.env["res.partner"].search([("uuid", "=", response.json()["uuid"])])

    def test_the_next_call_works_for_the_endpoints_new_company(self):
        endpoint = self.env.ref("g2p_partner_api.fastapi_endpoint_rest")
        first = endpoint.company_id
        moved_to = self.env["res.company"].create({"name": "Registry of district C (moved)"})
        endpoint.user_id.write({"company_ids": [(4, moved_to.id)]})
        scopes = self.env["g2p.api.scope"].search([("code", "in", ("individual:write", "individual:read"))])
        client = self.env["g2p.api.client"].create(
            dict(
                self.env["g2p.api.client"]._legal_basis_vals("Test fixture: registry law, art. 1"),
                name="Moving registrar",
                scope_ids=[(6, 0, scopes.ids)],
            )
        )
        secret = client._generate_secret()
        response = self.url_open(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
        )
        self.assertEqual(response.status_code, 200, response.text)
        token = response.json()["access_token"]
        before = self._register(token, "Before")
        # an administrator moves it in the web client: the end of that request signals the change to every worker
        self.authenticate("admin", "admin")
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/fastapi.endpoint/write",
            {
                "model": "fastapi.endpoint",
                "method": "write",
                "args": [endpoint.ids, {"company_id": moved_to.id}],
                "kwargs": {},
            },
        )
        after = self._register(token, "After")
        self.assertEqual((before.company_id, after.company_id), (first, moved_to))


@tagged("post_install", "-at_install")
class TestDciDatesKeptAsSent(DciCase):
    """A DCI search's date is the date sent or a refusal: a date-time, or a date followed by anything, was cut
    to its first ten characters and searched as another question than the one asked (a birth date
    ``$gte 1990-06-15T23:00:00-05:00`` is the 16th where it was written)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Dora", "family_name": "Zzdated", "birthdate": "1990-06-15"}
        )

    def _answer(self, birth_date):
        query = {"family_name": "Zzdated", "birth_date": {"$gte": birth_date}}
        response = self.search(self.envelope([self.item("expression", query)]))
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["message"]["search_response"][0]

    def test_a_date_time_or_a_longer_text_is_refused_not_cut(self):
        for sent in ("1990-06-15T23:00:00-05:00", "1990-06-15 00:00", "1990-06-15junk", "1990-06-1", "19900615"):
            answer = self._answer(sent)
            self.assertEqual(
                (answer["status"], answer["status_reason_code"]), ("rjct", "rjct.search_criteria.invalid"), sent
            )
            self.assertIn("is not a valid date", answer["status_reason_message"], sent)
            self.assertNotIn("data", answer, sent)
        answer = self._answer("1990-06-15")
        self.assertEqual(answer["status"], "succ", answer)
        self.assertEqual(len(answer["data"]["reg_records"]), 1)


@tagged("post_install", "-at_install")
class TestIngestIdentifiersKeptAsSent(IngestCase):
    """An identifier the shipped data models read is the text sent, or a whole number written as its digits
    (KoboToolbox sends integer questions as numbers); any other value is refused: ``98100001.0`` was proposed
    as the identifier "98100001.0" (and ``1e21`` as "1e+21"), a new person beside the one registered under
    98100001 rather than a refusal."""

    def test_a_number_with_a_fraction_or_an_exponent_is_refused_not_written_out(self):
        for sent in (98100001.0, 1e21, True):
            _data, rows = self.ingest(
                self.body({"person": self.person(nid=sent)}), params={"data_model": "PERSON_JSON"}
            )
            self.assertEqual((rows.state, rows.transformation_status), ("failed", "failed"), sent)
            self.assertFalse(rows.change_request_id, sent)
        self.assertFalse(self.CR.search([("proposed_values", "ilike", "98100001")]))
        _data, rows = self.ingest(
            self.body({"person": self.person(nid=98100002)}), params={"data_model": "PERSON_JSON"}
        )
        self.assertEqual(
            self.proposed(rows.change_request_id)["identifiers"],
            [{"system": "urn:g2p:id:national-id", "value": "98100002"}],
        )

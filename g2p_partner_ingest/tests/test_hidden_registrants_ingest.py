"""What the ingest answers tell a sender of a registrant the REST app's record rules hide (another registry's
company): exactly what they tell of a registrant it may not read, also to a sender reading under a legal basis.
The dry run and ``GET /partner/ingest_status`` (operation, registrant, duplicate candidates), the members a
household names by uuid, and the ``change_request.*`` events."""

import json
import uuid

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.query_log import logged_queries

from .test_follow_submissions import FollowCase

KIND = "urn:g2p:vocab:group-membership-kind"
NID = "93700001"
HIDDEN = {"nid": NID, "first": "Chimwemwe", "last": "Zzelsewhere", "dob": "1979-08-23"}


@tagged("post_install", "-at_install")
class TestHiddenRegistrantsInIngestAnswers(FollowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "legal_basis_enabled" not in cls.Client._fields:
            cls.skipTest(cls, "g2p_api_consent is not installed")
        cls.client.scope_ids = [(4, cls.env.ref("g2p_partner_api.scope_group_read").id)]
        cls.home = cls.rest_endpoint.company_id
        cls.other = cls.env["res.company"].create({"name": "Another registry (ingest answers)"})
        national = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.elsewhere = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": HIDDEN["first"],
                "family_name": HIDDEN["last"],
                "birthdate": HIDDEN["dob"],
                "company_id": cls.other.id,
                "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": NID})],
            }
        )

    def _status(self, rows):
        with self._api() as api:
            response = api.get(
                f"/partner/ingest_status/{rows[0].correlation_id}", headers=self._auth(self.client, self.secret)
            )
        self.assertEqual(response.status_code, 200, response.text)
        return response.text

    def _as_unreadable(self):
        """The same registrant in the client's registry, the client reading by consent (it has none): unreadable."""
        self.elsewhere.company_id = self.home
        self.client.legal_basis_enabled = False

    def assertNotNamed(self, *texts):
        for text in texts:
            self.assertNotIn(self.elsewhere.uuid, text)
        self.assertFalse(self.env["g2p.api.disclosure"].sudo().search([("partner_id", "=", self.elsewhere.id)]))

    def test_identifier_of_a_hidden_registrant_makes_an_add_told_as_of_someone_unknown(self):
        """No partner changes whom it cannot see: an item naming the identifier of another registry's registrant is
        no UPDATE of it but an ADD, which the duplicate check holds for a person of that registry to decide; every
        answer about it is the one about someone unknown (to this legal-basis sender: ADD), none names the
        registrant, and the registrant is untouched."""
        unknown = dict(HIDDEN, nid="93709999", first="Zzunknown", last="Zznobody", dob="1991-01-01")
        subscription = self.env["g2p.api.subscription"].sudo().new({"endpoint_id": self.rest_endpoint.id})
        answers = {}
        for name, person in (("hidden", HIDDEN), ("unknown", unknown)):
            body = self.body({"person": self.person(**person)})
            dry = self.post(body, {"dry_run": "true"})
            self.assertEqual(dry.status_code, 200, dry.text)
            (dry_item,) = dry.json()["response_payload"]["items"]
            _data, rows = self.ingest(body)
            status = self._status(rows)
            item = json.loads(status)["items"][0]
            event = subscription._payload_for(
                self.client.sudo(), "change_request.rejected", rows.change_request_id.sudo()
            )
            answers[name] = (
                (dry_item["operation"], dry_item["registrant"]),
                {k: item[k] for k in ("operation", "registrant", "possible_duplicate", "duplicate_candidates")},
                (event[1]["operation"], event[1]["registrant"], event[2]),
                rows.change_request_id,
            )
            self.assertNotNamed(dry.text, status, json.dumps(event))
        self.assertEqual(answers["hidden"][:3], answers["unknown"][:3])
        self.assertEqual(answers["hidden"][0], ("ADD", None))
        request = answers["hidden"][3]
        self.assertEqual((request.operation, request.registrant_id.id, request.needs_decision), ("add", False, True))
        self.assertEqual(request.duplicate_ids.partner_id, self.elsewhere, "held for a person to decide")
        self.assertEqual((self.elsewhere.given_name, self.elsewhere.family_name), (HIDDEN["first"], HIDDEN["last"]))

    def test_update_of_a_readable_registrant_names_it(self):
        self.elsewhere.company_id = self.home
        _data, rows = self.ingest(self.body({"person": self.person(**HIDDEN)}))
        item = json.loads(self._status(rows))["items"][0]
        self.assertEqual((item["operation"], item["registrant"]), ("UPDATE", self.elsewhere.uuid))

    def test_nobody_is_named_without_an_active_rest_endpoint(self):
        # the REST app's rules decide what an ingest answer names: without that app there are none to read by
        self.elsewhere.company_id = self.home
        _data, rows = self.ingest(self.body({"person": self.person(**HIDDEN)}))
        self.rest_endpoint.active = False
        item = json.loads(self._status(rows))["items"][0]
        self.assertEqual((item["operation"], item["registrant"]), ("ADD_OR_UPDATE", None))
        self.assertNotNamed(json.dumps(item))

    def test_possible_duplicate_in_another_registry_is_not_told(self):
        flagged = dict(HIDDEN, nid="93700002")
        _data, rows = self.ingest(self.body({"person": self.person(**flagged)}))
        self.assertEqual(rows.change_request_id.duplicate_ids.partner_id, self.elsewhere, "staff see the flag")
        self.env.ref("g2p_partner_ingest.data_model_person_json").duplicate_policy = "reject"
        # the policy refuses possible duplicates the sender may read: this one goes on, flagged for staff
        _data, refused = self.ingest(self.body({"person": self.person(**dict(HIDDEN, nid="93700003"))}))
        self.assertFalse(refused.error_code)
        self.assertEqual(refused.change_request_id.duplicate_ids.partner_id, self.elsewhere)
        answers = [self._status(rows), self._status(refused)]
        flagged_item, refused_item = (json.loads(text)["items"][0] for text in answers)
        self.assertEqual((flagged_item["possible_duplicate"], flagged_item["duplicate_candidates"]), (False, []))
        self.assertEqual((refused_item["possible_duplicate"], refused_item["duplicate_candidates"]), (False, []))
        self.assertEqual(flagged_item["operation"], "ADD", "a new person, as told a legal-basis sender")
        self.assertNotNamed(*answers)
        self._as_unreadable()
        # the same answers about candidates the sender may not read, but for the operation of a new person, told to
        # a sender without a legal basis as ADD_OR_UPDATE whoever is registered
        unreadable = [self._status(rows), self._status(refused)]
        self.assertEqual(json.loads(unreadable[0])["items"][0]["operation"], "ADD_OR_UPDATE")
        self.assertEqual(answers, [text.replace('"ADD_OR_UPDATE"', '"ADD"') for text in unreadable])

    def _household(self, member):
        return {
            "name": "Zzelsewhere household",
            "identifiers": [{"system": "urn:g2p:id:household-id", "value": "HH-ELSEWHERE-1"}],
            "members": [{"individual": member, "kinds": [{"system": KIND, "code": "head"}]}],
        }

    def test_household_naming_a_hidden_member_fails_as_an_unknown_uuid(self):
        """Refused at transformation as a uuid nobody holds is: nothing proposed, the hidden member untouched."""
        memberships = self.elsewhere.group_membership_ids
        answers = []
        for member in (self.elsewhere.uuid, str(uuid.uuid4())):
            response = self.post(self.body(self._household(member)), {"data_model": "REST_GROUP"})
            self.assertEqual(response.status_code, 200, response.text)
            self.run_jobs()
            rows = self.Raw.search([("correlation_id", "=", response.json()["response_header"]["correlation_id"])])
            self.assertEqual(
                (rows.state, rows.error_code, rows.change_request_id.id), ("failed", "TRANSFORMATION_FAILED", False)
            )
            self.assertEqual(rows.error_message, f"members[0].individual: unknown individual {member}.")
            item = json.loads(self._status(rows))["items"][0]
            # what differs: the item's id and the uuid it sent, echoed in the message
            answers.append({k: v for k, v in item.items() if k not in ("ingest_id", "error_message", "reason")})
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(self.elsewhere.group_membership_ids, memberships)
        self.assertFalse(self.env["res.partner"].search_count([("name", "=", "Zzelsewhere household")]))

    def test_status_statements_do_not_grow_with_the_items(self):
        """What an ingest_status answer may name is read for the whole call (a statement per read scope), not an
        item at a time: a call of 6 applied items is answered in as many statements as one of 2, each naming its
        registrant."""
        model = self.person_list_model("PERSON_HIDDEN_STATEMENTS")

        def applied(tag, count):
            # no two alike (name, birth date): none is held back as a possible duplicate
            people = [
                self.person(
                    nid=f"937{tag}{i:04d}", first=f"Zzstatus{tag}", last=f"P{tag}x{i}", dob=f"19{tag}{i}-0{1 + i}-1{i}"
                )
                for i in range(count)
            ]
            rows = self.Raw.sudo()._receive(self.client, model, f"hidden-statements-{tag}", people)
            self.run_jobs()
            self.assertEqual(rows.change_request_id.mapped("state"), ["applied"] * count)
            return rows

        def statements(rows):
            with logged_queries(self.env) as log:
                text = self._status(rows)
            for registrant in rows.change_request_id.registrant_id:
                self.assertIn(registrant.uuid, text)
            return log

        statements(applied("1", 1))  # this worker's caches filled once
        small, large = statements(applied("2", 2)), statements(applied("3", 6))
        self.assertEqual(len(large), len(small), f"statements grew with the items:\n{large}")

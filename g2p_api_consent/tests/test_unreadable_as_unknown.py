from datetime import date
from uuid import uuid4

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

NID = "urn:g2p:id:national-id"
STALE = {"If-Match": '"00000000000000000000000000000000"'}  # no version of anything: a 412 if it were looked at
WRITE_SCOPES = ["individual:read", "individual:write", "group:read", "group:write"]


@tagged("post_install", "-at_install")
class TestUnreadableAnswersAsUnknown(G2PApiCase):
    """Answers are disclosures: a registrant the client may not read (no consent, no legal basis) is answered, by
    every route and method, exactly as a uuid nobody holds; searches and lookups answer it as no match. Nothing
    about it (archived, its version, its members) is looked at first, and nothing is written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Field survey", scopes=WRITE_SCOPES + ["membership:read", "membership:write"], legal_basis=None
        )
        cls.client.all_programs = True
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        Partner = cls.env["res.partner"]
        cls.hidden, cls.hidden_member, cls.archived, cls.seen = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": name,
                    "family_name": "Zzhidden",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"8800{index:05d}"})],
                }
                for index, name in enumerate(("Hidden", "Member", "Archived", "Seen"))
            ]
        )
        cls.archived._archive_registrant("Moved abroad")
        cls.hidden_group, cls.seen_group = Partner.create(
            [
                {
                    "is_registrant": True,
                    "is_group": True,
                    "name": name,
                    "group_member_ids": [(0, 0, {"individual_id": member.id, "start_date": "2020-01-01"})],
                }
                for name, member in (("Hidden household", cls.hidden_member), ("Seen household", cls.hidden_member))
            ]
        )
        scopes = cls.env["g2p.api.scope"].search([("code", "in", WRITE_SCOPES)])
        # the client may read and change the seen individual and the seen household, and no one else
        cls.env["g2p.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                    "scope_ids": [(6, 0, scopes.ids)],
                    "evidence_reference": "FORM-9",
                }
                for partner in (cls.seen, cls.seen_group)
            ]
        )
        cls.program = cls.env["g2p.program"].create({"name": "Cash for work (unreadable test)"})

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _register(self):
        """What the registry holds about the registrants of the test, as the database has it."""
        self.env.invalidate_all()
        registrants = self.hidden | self.hidden_member | self.archived | self.seen | self.hidden_group | self.seen_group
        return [
            (
                partner.name,
                partner.active,
                partner.archived_at,
                partner.write_date,
                [(m.individual_id.id, m.end_date, m.write_date) for m in partner.group_member_ids],
                partner.program_membership_ids.ids,
            )
            for partner in registrants.with_context(active_test=False)
        ]

    def test_every_route_answers_an_unreadable_registrant_as_an_unknown_one(self):
        today = str(date.today())
        individual, group = "/api/v2/Individual/{uuid}", "/api/v2/Group/{uuid}"
        calls = [
            ("GET", individual, self.hidden, {}),
            ("PUT", individual, self.hidden, {"json": {"given_name": "Replaced"}}),
            ("PATCH", individual, self.hidden, {"json": {"given_name": "Changed"}}),
            ("DELETE", individual, self.hidden, {"json": {"reason": "Duplicate"}}),
            # archived and unreadable: not told it was archived (410), nor when
            ("GET", individual, self.archived, {}),
            ("PATCH", individual, self.archived, {"json": {"given_name": "Changed"}}),
            ("GET", group, self.hidden_group, {}),
            ("PUT", group, self.hidden_group, {"json": {"name": "Replaced"}}),
            ("PATCH", group, self.hidden_group, {"json": {"name": "Changed"}}),
            ("DELETE", group, self.hidden_group, {"json": {"reason": "Duplicate"}}),
            ("GET", group + "/membership-history", self.hidden_group, {}),
            ("POST", group + "/members", self.hidden_group, {"json": {"individual": self.seen.uuid}}),
            (
                "POST",
                group + f"/members/{self.hidden_member.uuid}/end",
                self.hidden_group,
                {"json": {"end_date": today, "reason": "Left"}},
            ),
            # a household the client reads, a member it may not: the member is unknown
            (
                "POST",
                f"/api/v2/Group/{self.seen_group.uuid}/members/{{uuid}}/end",
                self.hidden_member,
                {"json": {"end_date": today, "reason": "Left"}},
            ),
        ]
        before = self._register()
        with self._api() as api:
            for method, path, registrant, kwargs in calls:
                # the readable household's version is its own to tell (412 whoever the member): not varied there
                variants = ({},) if self.seen_group.uuid in path else ({}, STALE)
                for if_match in variants:
                    with self.subTest(method=method, path=path, registrant=registrant.name, if_match=bool(if_match)):
                        answer = self.assert_answered_as_unknown(
                            api, method, path, registrant.uuid, headers=dict(self.headers, **if_match), **kwargs
                        )
                        self.assertNotIn("consent", answer.text.lower())
        self.assertEqual(self._register(), before, "nothing written")

    def test_scope_is_checked_before_any_registrant_is_looked_up(self):
        """A token without the route's scope is refused alike whoever it names: readable, unreadable or unknown."""
        reader, reader_secret = self._create_client("Reader", scopes=["individual:read"], legal_basis=None)
        headers = self._auth(reader, reader_secret)
        answers = []
        with self._api() as api:
            for uuid in (self.seen.uuid, self.hidden.uuid, str(uuid4())):
                answer = api.patch(f"/api/v2/Individual/{uuid}", json={"given_name": "X"}, headers=headers)
                self.assertEqual((answer.status_code, answer.json()["code"]), (403, "insufficient_scope"))
                answers.append((answer.content.replace(uuid.encode(), b"<uuid>"), answer.headers["WWW-Authenticate"]))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[1], answers[2])

    def test_searches_and_lookups_answer_an_unreadable_registrant_as_no_match(self):
        nobody = "880099999"
        hidden = self.hidden.reg_id_ids.value
        with self._api() as api:

            def search(value):
                answer = api.get("/api/v2/Individual", params={"identifier": f"{NID}|{value}"}, headers=self.headers)
                self.assertEqual(answer.status_code, 200, answer.text)
                return answer.content.replace(value.encode(), b"<value>")

            self.assertEqual(search(hidden), search(nobody))
            self.assertIn(b'"total":0', search(hidden).replace(b" ", b""))
            looked_up = api.post(
                "/api/v2/Individual/$lookup",
                json={"identifiers": [{"system": NID, "value": value} for value in (hidden, nobody)]},
                headers=self.headers,
            )
            self.assertEqual(looked_up.status_code, 200, looked_up.text)
            found, unknown = looked_up.json()["items"]
            self.assertEqual(dict(found, value=None), dict(unknown, value=None))
            self.assertEqual(found["status"], "not_found")

            def memberships(uuid):
                answer = api.get("/api/v2/ProgramMembership", params={"registrant": uuid}, headers=self.headers)
                self.assertEqual(answer.status_code, 200, answer.text)
                return answer.content.replace(uuid.encode(), b"<uuid>")

            self.env["g2p.program.membership"].create({"program_id": self.program.id, "partner_id": self.hidden.id})
            unknown_uuid = str(uuid4())
            self.assertEqual(memberships(self.hidden.uuid), memberships(unknown_uuid))

    def test_programme_enrolment_of_an_unreadable_registrant_is_refused_as_an_unknown_one(self):
        before = self._register()
        answers = []
        with self._api() as api:
            for uuid in (self.hidden.uuid, str(uuid4())):
                answer = api.post(
                    "/api/v2/ProgramMembership",
                    json={"program": self.program.uuid, "registrant": uuid},
                    headers=self.headers,
                )
                self.assertEqual((answer.status_code, self.problem_locations(answer)), (422, ["/registrant"]))
                answers.append(answer.content.replace(uuid.encode(), b"<uuid>"))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(self._register(), before, "nothing written")

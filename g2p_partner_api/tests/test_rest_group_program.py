from datetime import date

from odoo.tests import tagged

from .common import G2PApiCase
from .test_rest_individual import assert_no_db_ids


@tagged("post_install", "-at_install")
class TestRestGroup(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Household survey", scopes=["group:read", "group:write"])
        cls.group = cls.env.ref("g2p_partner_api.demo_group_01")
        cls.people = [cls.env.ref(f"g2p_partner_api.demo_individual_{i:02d}") for i in (45, 46, 47)]

    def test_read_group_with_members_and_kinds(self):
        with self._api() as api:
            response = api.get(f"/api/v2/Group/{self.group.uuid}", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(len(body["members"]), 4)
        head = body["members"][0]
        self.assertEqual(head["kinds"][0]["code"], "head")
        self.assertEqual(head["individual"], self.env.ref("g2p_partner_api.demo_individual_01").uuid)
        assert_no_db_ids(self, body)

    def test_create_then_replace_members(self):
        kind = lambda code: {"system": "urn:g2p:vocab:group-membership-kind", "code": code}  # noqa: E731
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            response = api.post(
                "/api/v2/Group",
                headers=headers,
                json={
                    "name": "Sesay household",
                    "identifiers": [{"system": "urn:g2p:id:household-id", "value": "HH-9"}],
                    "members": [
                        {"individual": self.people[0].uuid, "kinds": [kind("head")]},
                        {"individual": self.people[1].uuid, "kinds": [kind("spouse")]},
                    ],
                },
            )
            self.assertEqual(response.status_code, 201, response.text)
            uuid = response.json()["uuid"]
            self.assertEqual(response.headers["Location"], f"/api/v2/Group/{uuid}")
            self.assertEqual(api.get(response.headers["Location"], headers=headers).json()["uuid"], uuid)
            self.assertEqual([m["kinds"][0]["code"] for m in response.json()["members"]], ["head", "spouse"])
            patched = api.patch(
                f"/api/v2/Group/{uuid}",
                headers=headers,
                json={
                    "members": [
                        {"individual": self.people[0].uuid, "kinds": [kind("head")]},
                        {"individual": self.people[2].uuid, "kinds": [kind("child")]},
                    ]
                },
            )
            self.assertEqual(patched.status_code, 200, patched.text)
            members = {m["individual"]: m for m in patched.json()["members"]}
            self.assertEqual(
                {u for u, m in members.items() if not m["end_date"]}, {self.people[0].uuid, self.people[2].uuid}
            )
            self.assertEqual(
                members[self.people[1].uuid]["end_date"], str(date.today()), "left out: ended, not deleted"
            )
            bad = api.patch(
                f"/api/v2/Group/{uuid}",
                headers=headers,
                json={"members": [{"individual": self.people[0].uuid, "kinds": [kind("cousin")]}]},
            )
            self.assertEqual(bad.status_code, 422)
            self.assertEqual(self.problem_locations(bad)[0], "/members/0/kinds/0/code")
            two_heads = api.patch(
                f"/api/v2/Group/{uuid}",
                headers=headers,
                json={"members": [{"individual": p.uuid, "kinds": [kind("head")]} for p in self.people]},
            )
            self.assertEqual(two_heads.status_code, 422, two_heads.text)
        group = self.env["res.partner"].search([("uuid", "=", uuid)])
        self.assertEqual(
            group.group_member_ids.filtered(lambda m: not m.is_ended).individual_id,
            self.people[0] | self.people[2],
            "refused changes left nothing",
        )
        self.assertEqual(
            group.group_member_ids.individual_id,
            self.people[0] | self.people[1] | self.people[2],
            "the membership that ended is kept",
        )


@tagged("post_install", "-at_install")
class TestRestProgramMembership(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child_grant = cls.env.ref("g2p_partner_api.demo_program_child_grant")
        cls.cash = cls.env.ref("g2p_partner_api.demo_program_cash_transfer")
        cls.client, cls.secret = cls._create_client(
            "Payment provider",
            scopes=["program:read", "membership:read", "membership:write"],
            allowed_program_ids=[(6, 0, cls.child_grant.ids)],
        )
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_50")

    def test_programmes_restricted_to_allowed(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            listed = api.get("/api/v2/Program", headers=headers).json()
            self.assertEqual([p["uuid"] for p in listed["items"]], [self.child_grant.uuid])
            self.assertEqual(listed["total"], 1)
            self.assertEqual(api.get(f"/api/v2/Program/{self.cash.uuid}", headers=headers).status_code, 404)
            memberships = api.get("/api/v2/ProgramMembership", headers=headers).json()
            self.assertTrue(memberships["items"])
            self.assertEqual({m["program"] for m in memberships["items"]}, {self.child_grant.uuid})
            other = self.env.ref("g2p_partner_api.demo_pm_cash_01")
            self.assertEqual(api.get(f"/api/v2/ProgramMembership/{other.uuid}", headers=headers).status_code, 404)
            refused = api.post(
                "/api/v2/ProgramMembership",
                headers=headers,
                json={"program": self.cash.uuid, "registrant": self.env.ref("g2p_partner_api.demo_group_10").uuid},
            )
            self.assertEqual(refused.status_code, 404)

    def test_create_enrol_pause_exit(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            created = api.post(
                "/api/v2/ProgramMembership",
                headers=headers,
                json={"program": self.child_grant.uuid, "registrant": self.person.uuid},
            )
            self.assertEqual(created.status_code, 201, created.text)
            uuid = created.json()["uuid"]
            self.assertEqual(created.headers["Location"], f"/api/v2/ProgramMembership/{uuid}")
            self.assertEqual(created.json()["state"], "draft")
            self.assertEqual(
                api.post(f"/api/v2/ProgramMembership/{uuid}/enrol", headers=headers).json()["state"], "enrolled"
            )
            self.assertEqual(
                api.post(f"/api/v2/ProgramMembership/{uuid}/pause", headers=headers).json()["state"], "paused"
            )
            exited = api.post(f"/api/v2/ProgramMembership/{uuid}/exit", headers=headers, json={"reason": "Graduated"})
            self.assertEqual((exited.json()["state"], exited.json()["exit_reason"]), ("exited", "Graduated"))
            again = api.post(f"/api/v2/ProgramMembership/{uuid}/enrol", headers=headers)
            self.assertEqual((again.status_code, again.json()["code"]), (409, "conflict"))
            duplicate = api.post(
                "/api/v2/ProgramMembership",
                headers=headers,
                json={"program": self.child_grant.uuid, "registrant": self.person.uuid},
            )
            self.assertEqual(duplicate.status_code, 422)
            wrong_target = api.post(
                "/api/v2/ProgramMembership",
                headers=headers,
                json={
                    "program": self.child_grant.uuid,
                    "registrant": self.env.ref("g2p_partner_api.demo_group_10").uuid,
                },
            )
            self.assertEqual(wrong_target.status_code, 422)
        membership = self.env["g2p.program.membership"].search([("uuid", "=", uuid)])
        self.assertEqual((membership.state, membership.last_source_client_id), ("exited", self.client))

    def test_put_moves_state(self):
        headers = self._auth(self.client, self.secret)
        draft = self.env.ref("g2p_partner_api.demo_pm_child_03")
        self.assertEqual(draft.state, "draft")
        with self._api() as api:
            response = api.put(f"/api/v2/ProgramMembership/{draft.uuid}", headers=headers, json={"state": "enrolled"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(draft.state, "enrolled")

import copy
import json
from datetime import date, timedelta

from odoo.tests import tagged

from .common import G2PApiCase
from .test_rest_individual import assert_no_db_ids

KIND = "urn:g2p:vocab:group-membership-kind"


def kind(code):
    return {"system": KIND, "code": code}


@tagged("post_install", "-at_install")
class TestGroupMembers(G2PApiCase):
    """A household changed one member at a time: POST /Group/{id}/members, .../members/{individual}/end and
    GET /Group/{id}/membership-history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Household survey", scopes=["group:read", "group:write", "individual:write", "individual:read"]
        )
        cls.narrow, cls.narrow_secret = cls._create_client("Group editor", scopes=["group:read", "group:write"])
        Partner = cls.env["res.partner"]
        cls.head, cls.spouse, cls.child = Partner.create(
            [{"is_registrant": True, "given_name": name, "family_name": "Zzmember"} for name in ("Ama", "Kofi", "Esi")]
        )
        cls.group = Partner.create({"is_registrant": True, "is_group": True, "name": "Mensah household"})
        cls.env["g2p.group.membership"].create(
            {
                "group_id": cls.group.id,
                "individual_id": cls.head.id,
                "start_date": "2020-01-01",
                "kind_ids": [(6, 0, cls.env["g2p.vocabulary.code"]._resolve(KIND, "head", "kinds").ids)],
            }
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _url(self, *parts):
        return "/".join([f"/api/v2/Group/{self.group.uuid}", *parts])

    def _etag(self, api):
        return api.get(self._url(), headers=self.headers).headers["ETag"]

    def _memberships(self):
        return [
            (m.individual_id.name, str(m.start_date or ""), str(m.end_date or ""), m.end_reason or "")
            for m in self.group.group_member_ids.sorted("id")
        ]

    def _age_registrants(self, group):
        """The group, its members and memberships last written a day ago, so a write now shows in ``updated_at``
        whatever the clock's second."""
        uuids = [group["uuid"], *(m["individual"] for m in group["members"])]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = write_date - interval '1 day' WHERE uuid = ANY(%s)", [uuids]
        )
        self.env.cr.execute(
            "UPDATE g2p_group_membership m SET write_date = m.write_date - interval '1 day' FROM res_partner g "
            "WHERE m.group_id = g.id AND g.uuid = %s",
            [group["uuid"]],
        )
        self.env.invalidate_all()

    def test_add_a_registered_individual_end_the_membership_and_read_the_history(self):
        with self._api() as api:
            etag = self._etag(api)
            added = api.post(
                self._url("members"),
                json={"individual": self.spouse.uuid, "kinds": [kind("spouse")], "start_date": "2024-03-01"},
                headers=dict(self.headers, **{"If-Match": etag}),
            )
            self.assertEqual(added.status_code, 200, added.text)
            members = {m["individual"]: m for m in added.json()["members"]}
            self.assertEqual(
                (members[self.spouse.uuid]["kinds"][0]["code"], members[self.spouse.uuid]["start_date"]),
                ("spouse", "2024-03-01"),
            )
            self.assertEqual(added.headers["ETag"], self._etag(api), "the answer carries the new version")
            stale = api.post(
                self._url("members"),
                json={"individual": self.child.uuid},
                headers=dict(self.headers, **{"If-Match": etag}),
            )
            self.assertEqual((stale.status_code, stale.json()["code"]), (412, "precondition_failed"))
            ended = api.post(
                self._url("members", self.spouse.uuid, "end"),
                json={"end_date": str(date.today()), "reason": "Moved to Kumasi"},
                headers=dict(self.headers, **{"If-Match": added.headers["ETag"]}),
            )
            self.assertEqual(ended.status_code, 200, ended.text)
            again = api.post(
                self._url("members", self.spouse.uuid, "end"),
                json={"end_date": str(date.today()), "reason": "Twice"},
                headers=self.headers,
            )
            self.assertEqual((again.status_code, again.json()["code"]), (409, "conflict"))
            readded = api.post(
                self._url("members"),
                json={"individual": self.spouse.uuid, "kinds": [kind("spouse")]},
                headers=self.headers,
            )
            self.assertEqual(readded.status_code, 200, readded.text)
            first = api.get(self._url("membership-history"), params={"_count": 2}, headers=self.headers)
            self.assertEqual(first.status_code, 200, first.text)
            second = api.get(first.json()["links"]["next"], headers=self.headers).json()
        self.assertEqual(
            self.child not in self.group.group_member_ids.individual_id, True, "the stale write did nothing"
        )
        history = first.json()["items"] + second["items"]
        self.assertEqual(first.json()["total"], 3)
        self.assertEqual(
            [
                (p["individual"], [k["code"] for k in p["kinds"]], p["start_date"], p["end_date"], p["end_reason"])
                for p in history
            ],
            [
                (self.head.uuid, ["head"], "2020-01-01", None, None),
                (self.spouse.uuid, ["spouse"], "2024-03-01", str(date.today()), "Moved to Kumasi"),
                (self.spouse.uuid, ["spouse"], str(date.today()), None, None),
            ],
            "every membership with its period and roles, ended ones included",
        )
        self.assertEqual(history[1]["provenance"]["updated_by"], self.client.client_id)
        assert_no_db_ids(self, history)

    def test_add_a_new_individual_registered_with_the_membership(self):
        person = {
            "given_name": "Yaw",
            "family_name": "Zzmember",
            "birthdate": "2015-06-01",
            "identifiers": [{"system": "urn:g2p:id:national-id", "value": "55500101"}],
        }
        body = {"new_individual": person, "kinds": [kind("child")]}
        people_before = self.env["res.partner"].search_count([("family_name", "=", "Zzmember")])
        with self._api() as api:
            refused = api.post(self._url("members"), json=body, headers=self._auth(self.narrow, self.narrow_secret))
            self.assertEqual((refused.status_code, refused.json()["code"]), (403, "insufficient_scope"))
            self.assertEqual(self.env["res.partner"].search_count([("family_name", "=", "Zzmember")]), people_before)
            added = api.post(self._url("members"), json=body, headers=self.headers)
            self.assertEqual(added.status_code, 200, added.text)
            twice = api.post(self._url("members"), json=body, headers=self.headers)
        self.assertEqual((twice.status_code, twice.json()["code"]), (409, "duplicate"))
        yaw = self.env["res.partner"].search([("given_name", "=", "Yaw"), ("family_name", "=", "Zzmember")])
        self.assertEqual(len(yaw), 1, "registered once")
        membership = self.group.group_member_ids.filtered(lambda m: m.individual_id == yaw)
        self.assertEqual(membership.kind_ids.mapped("code"), ["child"])
        self.assertEqual((yaw.source_client_id, membership.source_client_id), (self.client, self.client), "provenance")
        self.assertEqual(yaw.reg_id_ids.value, "55500101")

    def test_refusals_name_the_field_and_change_nothing(self):
        before = self._memberships()
        unknown = "00000000-0000-0000-0000-00000000beef"
        cases = [
            (self._url("members"), {"individual": self.spouse.uuid, "new_individual": {"given_name": "X"}}, 422, None),
            (self._url("members"), {}, 422, None),
            (self._url("members"), {"individual": unknown}, 422, "/individual"),
            (self._url("members"), {"individual": self.head.uuid}, 409, "/individual"),
            (self._url("members"), {"individual": self.spouse.uuid, "kinds": [kind("head")]}, 422, "/kinds"),
            (self._url("members"), {"individual": self.spouse.uuid, "kinds": [kind("cousin")]}, 422, "/kinds/0/code"),
            (f"/api/v2/Group/{unknown}/members", {"individual": self.spouse.uuid}, 404, None),
            (self._url("members", unknown, "end"), {"end_date": "2024-01-01", "reason": "r"}, 404, None),
            (self._url("members", self.spouse.uuid, "end"), {"end_date": "2024-01-01", "reason": "r"}, 404, None),
            (
                self._url("members", self.head.uuid, "end"),
                {"end_date": str(date.today() + timedelta(days=1)), "reason": "r"},
                422,
                "/end_date",
            ),
            (self._url("members", self.head.uuid, "end"), {"end_date": "2019-12-31", "reason": "r"}, 422, "/end_date"),
            (self._url("members", self.head.uuid, "end"), {"end_date": "2024-01-01", "reason": " "}, 422, "/reason"),
        ]
        with self._api() as api:
            for url, body, status, pointer in cases:
                with self.subTest(url=url, body=body):
                    response = api.post(url, json=body, headers=self.headers)
                    self.assertEqual(response.status_code, status, response.text)
                    self.assertEqual(response.headers["Content-Type"], "application/problem+json")
                    if pointer is not None:
                        self.assertEqual(self.problem_locations(response)[0], pointer)
        self.assertEqual(self._memberships(), before)

    def test_a_member_given_twice_is_refused_and_changes_nothing(self):
        """One membership per individual: the same individual twice in a group's members (POST, PUT, PATCH) is a
        422 duplicate_value at the second, never merged into one membership with the roles and dates of the last.
        Two new members with the same identifier are the 409 duplicate of the second registration."""
        before = self._memberships()
        twice = [
            {"individual": self.spouse.uuid, "kinds": [kind("head")], "start_date": "2020-01-01"},
            {"individual": self.spouse.uuid, "kinds": [kind("child")]},
        ]
        nid = [{"system": "urn:g2p:id:national-id", "value": "55500177"}]
        same_identifier = [
            {"new_individual": {"given_name": "Kwame", "family_name": "Zztwice", "identifiers": nid}},
            {"new_individual": {"given_name": "Kwame", "family_name": "Zztwice", "identifiers": nid}},
        ]
        groups = self.env["res.partner"].search_count([("is_group", "=", True)])
        with self._api() as api:
            for method, url, body in (
                ("POST", "/api/v2/Group", {"name": "Zztwice household", "members": twice}),
                ("PUT", self._url(), {"name": "Mensah household", "members": twice}),
                ("PATCH", self._url(), {"members": twice}),
                ("PATCH", self._url(), {"members": [{"individual": self.head.uuid}, *twice]}),
            ):
                with self.subTest(method=method, body=body):
                    response = api.request(method, url, json=body, headers=self.headers)
                    self.assertEqual(response.status_code, 422, response.text)
                    self.assertEqual(
                        self.problem_locations(response), [f"/members/{len(body['members']) - 1}/individual"]
                    )
                    self.assertEqual(response.json()["errors"][0]["code"], "duplicate_value")
            response = api.post(
                "/api/v2/Group", json={"name": "Zztwice household", "members": same_identifier}, headers=self.headers
            )
            self.assertEqual((response.status_code, response.json()["code"]), (409, "duplicate"), response.text)
        self.assertEqual(self._memberships(), before)
        self.assertEqual(self.env["res.partner"].search_count([("is_group", "=", True)]), groups)
        self.assertFalse(self.env["res.partner"].search([("family_name", "=", "Zztwice")]))

    def test_if_match_required_for_a_client_set_to_send_it(self):
        self.client.require_if_match = True
        before = self._memberships()
        with self._api() as api:
            missing = api.post(self._url("members"), json={"individual": self.child.uuid}, headers=self.headers)
            self.assertEqual((missing.status_code, missing.json()["code"]), (428, "precondition_required"))
            ended = api.post(
                self._url("members", self.head.uuid, "end"),
                json={"end_date": str(date.today()), "reason": "r"},
                headers=self.headers,
            )
            self.assertEqual(ended.status_code, 428)
        self.assertEqual(self._memberships(), before)

    def test_group_updated_says_what_changed(self):
        self._allow_outbound_hosts("127.0.0.1:9")
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Household feed",
                "client_id": self.client.id,
                "target_url": "http://127.0.0.1:9/events",
                "allow_insecure": True,
                "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_group_updated").ids)],
            }
        )
        with self._api() as api:
            api.post(
                self._url("members"),
                json={"individual": self.child.uuid, "kinds": [kind("child")], "start_date": "2024-09-01"},
                headers=self.headers,
            )
            self.commit_events()
            api.post(
                self._url("members", self.child.uuid, "end"),
                json={"end_date": str(date.today()), "reason": "Married"},
                headers=self.headers,
            )
            self.commit_events()
        events = [json.loads(d.body) for d in subscription.delivery_ids.sorted("id")]
        self.assertEqual([e["type"] for e in events], ["org.g2p.group.updated"] * 2)
        self.assertEqual(
            [e["data"]["changes"] for e in events],
            [
                [
                    {
                        "change": "member_added",
                        "individual": self.child.uuid,
                        "kinds": ["child"],
                        "start_date": "2024-09-01",
                    }
                ],
                [
                    {
                        "change": "membership_ended",
                        "individual": self.child.uuid,
                        "kinds": ["child"],
                        "start_date": "2024-09-01",
                        "end_date": str(date.today()),
                        "reason": "Married",
                    }
                ],
            ],
        )

    def test_a_group_registered_with_new_members_given_in_full(self):
        """POST /Group takes members as POST .../members does: registered ones by uuid, new ones in full; the group as
        read can be PUT back."""
        body = {
            "name": "Owusu household",
            "members": [
                {"individual": self.spouse.uuid, "kinds": [kind("head")]},
                {
                    "new_individual": {"given_name": "Abena", "family_name": "Zzmember", "birthdate": "2016-01-09"},
                    "kinds": [kind("child")],
                    "start_date": "2016-01-09",
                },
            ],
        }
        bad_uuid = copy.deepcopy(body)
        bad_uuid["members"][1]["new_individual"]["uuid"] = self.child.uuid
        count = self.env["res.partner"].search_count([("family_name", "=", "Zzmember")])
        with self._api() as api:
            refused = api.post("/api/v2/Group", json=body, headers=self._auth(self.narrow, self.narrow_secret))
            self.assertEqual((refused.status_code, refused.json()["code"]), (403, "insufficient_scope"))
            read_only = api.post("/api/v2/Group", json=bad_uuid, headers=self.headers)
            self.assertEqual(read_only.status_code, 422, read_only.text)
            self.assertEqual(self.problem_locations(read_only)[0], "/members/1/new_individual/uuid")
            self.assertEqual(self.env["res.partner"].search_count([("family_name", "=", "Zzmember")]), count)
            created = api.post("/api/v2/Group", json=body, headers=self.headers)
            self.assertEqual(created.status_code, 201, created.text)
            group = created.json()
            self._age_registrants(group)
            read = api.get(f"/api/v2/Group/{group['uuid']}", headers=self.headers)
            changes = self.env["g2p.registrant.change"].search_count([])
            put_back = api.put(
                f"/api/v2/Group/{group['uuid']}",
                json=read.json(),
                headers=dict(self.headers, **{"If-Match": read.headers["ETag"]}),
            )
            self.assertEqual(put_back.status_code, 200, put_back.text)
            self.assertEqual(put_back.headers["ETag"], read.headers["ETag"], "nothing changed")
            self.assertEqual(put_back.json()["provenance"], read.json()["provenance"], "not written")
            self.assertEqual(self.env["g2p.registrant.change"].search_count([]), changes, "not in the change feed")
        abena = self.env["res.partner"].search([("given_name", "=", "Abena"), ("family_name", "=", "Zzmember")])
        self.assertEqual(len(abena), 1)
        self.assertEqual(
            [(m["individual"], m["kinds"][0]["code"], m["start_date"]) for m in group["members"]],
            [(self.spouse.uuid, "head", None), (abena.uuid, "child", "2016-01-09")],
        )

from odoo.tests import tagged

from .common import G2PApiCase

KIND = "urn:g2p:vocab:group-membership-kind"


@tagged("post_install", "-at_install")
class TestRestConcurrency(G2PApiCase):
    """Every single-resource read carries an ETag; writes honour If-Match (412) and, for clients that
    must send it, refuse to go without (428). Each resource: read → write with the ETag read → read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child_grant = cls.env.ref("g2p_partner_api.demo_program_child_grant")
        scopes = [
            "individual:read",
            "individual:write",
            "group:read",
            "group:write",
            "program:read",
            "membership:read",
            "membership:write",
        ]
        cls.client, cls.secret = cls._create_client(
            "Case management", scopes=scopes, allowed_program_ids=[(6, 0, cls.child_grant.ids)]
        )
        cls.strict, cls.strict_secret = cls._create_client(
            "Strict", scopes=scopes, require_if_match=True, allowed_program_ids=[(6, 0, cls.child_grant.ids)]
        )
        cls.people = [cls.env.ref(f"g2p_partner_api.demo_individual_{i:02d}") for i in (41, 42, 43)]

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _read(self, api, url):
        response = api.get(url, headers=self.headers)
        self.assertEqual(response.status_code, 200, response.text)
        etag = response.headers["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$', "one format: a strong, quoted hex ETag")
        return response.json(), etag

    def _round_trip(self, api, url, method, body):
        """read → write with its ETag → read again: the write's ETag is the new read's; the old one is refused."""
        before, etag = self._read(api, url)
        self.assertEqual(self._read(api, url)[1], etag, "stable while nothing changes")
        written = api.request(method, url, json=body, headers=dict(self.headers, **{"If-Match": etag}))
        self.assertEqual(written.status_code, 200, written.text)
        new_etag = written.headers["ETag"]
        self.assertNotEqual(new_etag, etag)
        after, read_etag = self._read(api, url)
        self.assertEqual((read_etag, after), (new_etag, written.json()), "the write answers what the next read gives")
        stale = api.request(method, url, json=body, headers=dict(self.headers, **{"If-Match": etag}))
        self.assertEqual(stale.status_code, 412, stale.text)
        error = stale.json()
        self.assertEqual(error["code"], "precondition_failed")
        self.assertEqual(error["errors"], [{"header": "If-Match", "code": "etag_mismatch", "message": new_etag}])
        self.assertEqual(stale.headers["ETag"], new_etag)
        self.assertEqual(self._read(api, url)[0], after, "refused: nothing changed")
        return before, after

    def test_individual_round_trip_and_stale_write(self):
        person = self.people[0]
        url = f"/api/v2/Individual/{person.uuid}"
        with self._api() as api:
            self._round_trip(
                api,
                url,
                "PATCH",
                {
                    "addl_name": "Etag",
                    "identifiers": [
                        {"system": "urn:g2p:id:passport", "value": "ET-2"},
                        {"system": "urn:g2p:id:national-id", "value": "55500777"},
                    ],
                },
            )
            _before, after = self._round_trip(api, url, "PUT", {"given_name": "Replaced"})
        self.assertEqual(after["name"], "Replaced")
        self.assertEqual(person.name, "Replaced")

    def test_group_round_trip_members_and_archive(self):
        with self._api() as api:
            created = api.post(
                "/api/v2/Group",
                headers=self.headers,
                json={
                    "name": "Versioned household",
                    "members": [{"individual": self.people[1].uuid, "kinds": [{"system": KIND, "code": "head"}]}],
                },
            )
            self.assertEqual(created.status_code, 201, created.text)
            url = f"/api/v2/Group/{created.json()['uuid']}"
            self.assertEqual(self._read(api, url)[1], created.headers["ETag"], "a create answers the ETag reads give")
            self._round_trip(
                api,
                url,
                "PUT",
                {
                    "name": "Versioned household",
                    "members": [
                        {"individual": self.people[1].uuid, "kinds": [{"system": KIND, "code": "head"}]},
                        {"individual": self.people[2].uuid, "kinds": [{"system": KIND, "code": "child"}]},
                    ],
                },
            )
            _body, etag = self._read(api, url)
            # a change of a member's membership (not of the group record) is a new version of the group
            group = self.env["res.partner"].search([("uuid", "=", created.json()["uuid"])])
            group.group_member_ids.filtered(lambda m: m.individual_id == self.people[2]).kind_ids = self.env.ref(
                "g2p_partner_api.vocab_membership_kind_spouse"
            )
            stale = api.request(
                "DELETE", url, json={"reason": "Moved away"}, headers=dict(self.headers, **{"If-Match": etag})
            )
            self.assertEqual(stale.status_code, 412, stale.text)
            self.assertTrue(group.active)
            _body, etag = self._read(api, url)
            archived = api.request(
                "DELETE", url, json={"reason": "Moved away"}, headers=dict(self.headers, **{"If-Match": etag})
            )
        self.assertEqual(archived.status_code, 200, archived.text)
        self.assertFalse(group.active)

    def test_program_membership_round_trip_through_transitions(self):
        draft = self.env.ref("g2p_partner_api.demo_pm_child_03")
        url = f"/api/v2/ProgramMembership/{draft.uuid}"
        with self._api() as api:
            before, etag = self._read(api, url)
            enrolled = api.post(f"{url}/enrol", headers=dict(self.headers, **{"If-Match": etag}))
            self.assertEqual(enrolled.status_code, 200, enrolled.text)
            self.assertEqual(self._read(api, url)[1], enrolled.headers["ETag"])
            stale = api.post(f"{url}/pause", headers=dict(self.headers, **{"If-Match": etag}))
            self.assertEqual((stale.status_code, stale.json()["errors"][0]["message"]), (412, enrolled.headers["ETag"]))
            self.assertEqual(draft.state, "enrolled")
            self._round_trip(api, url, "PATCH", {"state": "paused"})
        self.assertEqual((before["state"], draft.state), ("draft", "paused"))

    def test_program_read_carries_an_etag_that_follows_changes(self):
        url = f"/api/v2/Program/{self.child_grant.uuid}"
        with self._api() as api:
            _body, etag = self._read(api, url)
            self.assertEqual(self._read(api, url)[1], etag)
            self.child_grant.description = "Now with a description"
            body, changed = self._read(api, url)
        self.assertNotEqual(changed, etag)
        self.assertEqual(body["description"], "Now with a description")

    def test_if_match_star_and_unknown_tags(self):
        person = self.people[0]
        url = f"/api/v2/Individual/{person.uuid}"
        with self._api() as api:
            _body, etag = self._read(api, url)
            weak = api.patch(url, json={"addl_name": "W"}, headers=dict(self.headers, **{"If-Match": f"W/{etag}"}))
            self.assertEqual(weak.status_code, 412, "weak tags never match (strong comparison)")
            listed = api.patch(
                url, json={"addl_name": "L"}, headers=dict(self.headers, **{"If-Match": f'"other", {etag}'})
            )
            self.assertEqual(listed.status_code, 200, listed.text)
            star = api.patch(url, json={"addl_name": "S"}, headers=dict(self.headers, **{"If-Match": "*"}))
        self.assertEqual(star.status_code, 200, star.text)
        self.assertEqual(person.addl_name, "S")

    def test_client_requiring_if_match_gets_428_without_it(self):
        strict = self._auth(self.strict, self.strict_secret)
        person, membership = self.people[0], self.env.ref("g2p_partner_api.demo_pm_child_04")
        group = self.env.ref("g2p_partner_api.demo_group_02")
        name, state = person.name, membership.state
        calls = [
            ("PATCH", f"/api/v2/Individual/{person.uuid}", {"addl_name": "No precondition"}),
            ("PUT", f"/api/v2/Individual/{person.uuid}", {"given_name": "No precondition"}),
            ("DELETE", f"/api/v2/Individual/{person.uuid}", {"reason": "No precondition"}),
            ("PATCH", f"/api/v2/Group/{group.uuid}", {"name": "No precondition"}),
            ("DELETE", f"/api/v2/Group/{group.uuid}", {"reason": "No precondition"}),
            ("POST", f"/api/v2/ProgramMembership/{membership.uuid}/enrol", None),
            ("PUT", f"/api/v2/ProgramMembership/{membership.uuid}", {"state": "exited"}),
        ]
        with self._api() as api:
            for method, url, body in calls:
                refused = api.request(method, url, json=body, headers=strict)
                self.assertEqual(refused.status_code, 428, f"{method} {url}: {refused.text}")
                self.assertEqual(refused.json()["code"], "precondition_required")
            self.assertEqual((person.name, person.active, group.active, membership.state), (name, True, True, state))
            etag = api.get(f"/api/v2/Individual/{person.uuid}", headers=strict).headers["ETag"]
            allowed = api.patch(
                f"/api/v2/Individual/{person.uuid}",
                json={"addl_name": "With precondition"},
                headers=dict(strict, **{"If-Match": etag}),
            )
            created = api.post("/api/v2/Individual", json={"given_name": "Creates need none"}, headers=strict)
        self.assertEqual(allowed.status_code, 200, allowed.text)
        self.assertEqual(created.status_code, 201, created.text)

    def test_openapi_documents_versions_and_preconditions(self):
        with self._api() as api:
            spec = api.get("/api/v2/openapi.json").json()
        paths = {f"/api/v2{path}": operations for path, operations in spec["paths"].items()}
        for path in (
            "/api/v2/Individual/{uuid}",
            "/api/v2/Group/{uuid}",
            "/api/v2/Program/{uuid}",
            "/api/v2/ProgramMembership/{uuid}",
        ):
            self.assertIn("ETag", paths[path]["get"]["responses"]["200"]["headers"], path)
        for path, method in (
            ("/api/v2/Individual/{uuid}", "patch"),
            ("/api/v2/Group/{uuid}", "delete"),
            ("/api/v2/ProgramMembership/{uuid}/enrol", "post"),
            ("/api/v2/ProgramMembership/{uuid}", "put"),
        ):
            operation = paths[path][method]
            self.assertIn("if-match", {p["name"].lower() for p in operation["parameters"] if p["in"] == "header"})
            self.assertTrue({"412", "428"} <= set(operation["responses"]), f"{method} {path}")
        delete = paths["/api/v2/Individual/{uuid}"]["delete"]
        self.assertIn("X-Reason", [p["name"] for p in delete["parameters"]])
        self.assertEqual(delete["responses"]["410"]["content"]["application/problem+json"]["example"]["code"], "gone")
        self.assertIn("include_archived", [p["name"] for p in paths["/api/v2/Group"]["get"]["parameters"]])

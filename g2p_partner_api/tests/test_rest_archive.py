import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import G2PApiCase

REASON = "Deceased (death certificate 2024/118)"


@tagged("post_install", "-at_install")
class TestRestArchive(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        scopes = ["individual:read", "individual:write", "group:read", "group:write"]
        cls.client, cls.secret = cls._create_client("Civil registry", scopes=scopes, default_source_system="crvs")
        # same scopes, but neither consent nor a legal basis: may read and write nobody
        cls.outsider, cls.outsider_secret = cls._create_client("No consent", scopes=scopes, legal_basis=None)
        cls._allow_outbound_hosts("127.0.0.1:9")

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _create(self, api, resource, body):
        response = api.post(f"/api/v2/{resource}", json=body, headers=self.headers)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.headers["Location"], f"/api/v2/{resource}/{response.json()['uuid']}")
        return response.json()["uuid"]

    def _partner(self, uuid):
        return self.env["res.partner"].with_context(active_test=False).search([("uuid", "=", uuid)])

    def test_archive_individual_then_gone_and_left_out_of_searches(self):
        with self._api() as api:
            uuid = self._create(api, "Individual", {"given_name": "Archivable", "family_name": "Qarchive"})
            archived = api.request(
                "DELETE", f"/api/v2/Individual/{uuid}", json={"reason": REASON}, headers=self.headers
            )
            self.assertEqual(archived.status_code, 200, archived.text)
            self.assertEqual((archived.json()["active"], archived.json()["archive_reason"]), (False, REASON))
            partner = self._partner(uuid)
            self.assertTrue(partner, "archived, never unlinked")
            self.assertEqual((partner.active, partner.archive_reason), (False, REASON))
            self.assertTrue(partner.archived_at)
            self.assertEqual((partner.last_source_client_id, partner.last_source_system), (self.client, "crvs"))
            when = partner.archived_at.isoformat() + "Z"
            self.assertEqual(archived.json()["archived_at"], when)
            audit = self._audit_rows(resource=f"/api/v2/Individual/{uuid}", status_code=200)
            self.assertEqual((audit.action, audit.actor), ("DELETE /Individual/{uuid}", self.client.client_id))

            for method, body in (
                ("GET", None),
                ("PUT", {"given_name": "Back"}),
                ("PATCH", {"family_name": "Back"}),
                ("DELETE", {"reason": "again"}),
            ):
                gone = api.request(method, f"/api/v2/Individual/{uuid}", json=body, headers=self.headers)
                self.assertEqual(gone.status_code, 410, f"{method}: {gone.text}")
                error = gone.json()
                self.assertEqual((error["code"], error["archived_at"]), ("gone", when))
                self.assertIn(when, error["detail"])
            self.assertEqual(partner.name, "Archivable Qarchive", "a write to an archived registrant changes nothing")

            default = api.get("/api/v2/Individual", params={"name": "Qarchive"}, headers=self.headers).json()
            self.assertEqual(default["total"], 0, "archived registrants are left out of searches")
            everything = api.get(
                "/api/v2/Individual", params={"name": "Qarchive", "include_archived": "true"}, headers=self.headers
            ).json()
        self.assertEqual(everything["total"], 1)
        self.assertEqual(
            (everything["items"][0]["uuid"], everything["items"][0]["active"], everything["items"][0]["archived_at"]),
            (uuid, False, when),
        )

    def test_archive_needs_a_reason(self):
        with self._api() as api:
            uuid = self._create(api, "Individual", {"given_name": "Reasonless"})
            for kwargs in ({}, {"json": {"reason": "   "}}, {"json": {}}):
                refused = api.request("DELETE", f"/api/v2/Individual/{uuid}", headers=self.headers, **kwargs)
                self.assertEqual(refused.status_code, 422, refused.text)
                self.assertEqual(refused.json()["code"], "validation_error")
                self.assertIn("/reason", self.problem_locations(refused))
            self.assertTrue(self._partner(uuid).active, "refused: still active")
            by_header = api.delete(
                f"/api/v2/Individual/{uuid}", headers=dict(self.headers, **{"X-Reason": "Duplicate"})
            )
        self.assertEqual(by_header.status_code, 200, by_header.text)
        self.assertEqual((self._partner(uuid).active, self._partner(uuid).archive_reason), (False, "Duplicate"))

    def test_archive_needs_write_scope(self):
        reader, reader_secret = self._create_client("Reader", scopes=["individual:read"])
        person = self.env.ref("g2p_partner_api.demo_individual_30")
        with self._api() as api:
            response = api.request(
                "DELETE",
                f"/api/v2/Individual/{person.uuid}",
                json={"reason": REASON},
                headers=self._auth(reader, reader_secret),
            )
        self.assertEqual((response.status_code, response.json()["code"]), (403, "insufficient_scope"))
        self.assertTrue(person.active)

    def test_without_consent_refused_unchanged_and_archive_not_revealed(self):
        person, group = self.env["res.partner"].create(
            [
                {"is_registrant": True, "given_name": "Unconsenting"},
                {"is_registrant": True, "is_group": True, "name": "Private"},
            ]
        )
        self.commit_events()
        subscription = self._subscription(["individual.archived", "group.archived"])
        outsider = self._auth(self.outsider, self.outsider_secret)
        with self._api() as api:
            for resource, record in (("Individual", person), ("Group", group)):
                self.assert_answered_as_unknown(
                    api,
                    "DELETE",
                    f"/api/v2/{resource}/{{uuid}}",
                    record.uuid,
                    json={"reason": REASON},
                    headers=outsider,
                )
        self.commit_events()
        for record in (person, group):
            self.assertEqual((record.active, record.archived_at, record.archive_reason), (True, False, False))
            self.assertFalse(record.last_source_client_id)  # written by no client: the refused one left no trace
        self.assertFalse(subscription.delivery_ids)
        with self._api() as api:
            api.request("DELETE", f"/api/v2/Individual/{person.uuid}", json={"reason": REASON}, headers=self.headers)
            # answered as before, as a uuid nobody holds: not told it was archived
            hidden = self.assert_answered_as_unknown(
                api, "GET", "/api/v2/Individual/{uuid}", person.uuid, headers=outsider
            )
        self.assertNotIn(str(person.archived_at.year), hidden.text)

    def _subscription(self, events):
        return self.env["g2p.api.subscription"].create(
            {
                "name": "Registry feed",
                "client_id": self.client.id,
                "target_url": "http://127.0.0.1:9/events",
                "allow_insecure": True,
                "event_type_ids": [(6, 0, self.env["g2p.api.event.type"].search([("code", "in", events)]).ids)],
            }
        )

    def _events(self, subscription):
        return [(d.event_type, json.loads(d.body)["type"], d.subject) for d in subscription.delivery_ids.sorted("id")]

    def test_archive_events_and_group_events_split(self):
        subscription = self._subscription(["group.created", "group.updated", "group.archived", "individual.archived"])
        with self._api() as api:
            person = self._create(api, "Individual", {"given_name": "Member"})
            self.commit_events()
            group = self._create(api, "Group", {"name": "Split household", "members": [{"individual": person}]})
            self.commit_events()
            api.patch(f"/api/v2/Group/{group}", json={"name": "Split household, renamed"}, headers=self.headers)
            self.commit_events()
            api.delete(f"/api/v2/Group/{group}", headers=dict(self.headers, **{"X-Reason": "Household dissolved"}))
            self.commit_events()
            api.request("DELETE", f"/api/v2/Individual/{person}", json={"reason": REASON}, headers=self.headers)
            self.commit_events()
        self.assertEqual(
            self._events(subscription),
            [
                ("group.created", "org.g2p.group.created", group),
                ("group.updated", "org.g2p.group.updated", group),
                ("group.archived", "org.g2p.group.archived", group),
                ("individual.archived", "org.g2p.individual.archived", person),
            ],
        )
        archived = json.loads(subscription.delivery_ids.sorted("id")[2].body)["data"]
        self.assertEqual((archived["active"], archived["archive_reason"]), (False, "Household dissolved"))
        self.assertEqual(set(subscription.delivery_ids.mapped("state")), {"pending"})
        queued = self.env["queue.job"].search([("model_name", "=", "g2p.api.delivery"), ("state", "=", "pending")])
        queued_ids = {record_id for job in queued for record_id in job.records.ids}
        self.assertLessEqual(set(subscription.delivery_ids.ids), queued_ids, "every event is queued for delivery")

    def test_group_updated_subscriptions_keep_every_group_event_after_upgrade(self):
        subscription = self._subscription(["group.updated"])
        other = self._subscription(["individual.updated"])
        self.env["g2p.api.subscription"]._split_group_event_subscriptions()
        self.assertEqual(
            set(subscription.event_type_ids.mapped("code")), {"group.created", "group.updated", "group.archived"}
        )
        self.assertEqual(other.event_type_ids.mapped("code"), ["individual.updated"])

    def test_archive_fields_are_set_by_the_registry_only(self):
        officer = new_test_user(self.env, "archive_officer", groups="g2p_partner_api.group_registry_officer")
        person = self.env.ref("g2p_partner_api.demo_individual_32").with_user(officer)
        for vals in (
            {"archive_reason": "forged"},
            {"archived_at": "2020-01-01 00:00:00"},
            {"active": False, "archive_reason": "forged"},
        ):
            with self.assertRaises(AccessError):
                person.write(vals)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(officer).create(
                {"is_registrant": True, "given_name": "X", "archive_reason": "forged"}
            )
        self.assertEqual((person.active, person.archive_reason), (True, False))
        person.action_archive()
        self.assertTrue(person.archived_at, "archived from the UI: the date is recorded, the reason left empty")
        person.action_unarchive()
        self.assertEqual((person.active, person.archived_at), (True, False))

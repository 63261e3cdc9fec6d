"""Two registries (companies), each with its own REST endpoint and technical user: what a partner is told later (its
subscription's events, each attempt to deliver them) and what an ingest through company B's endpoint reads of B's
registrants are read as the REST endpoint of that registry, never as the first REST endpoint created (eighth
audit)."""

import json

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_ingest.tests.test_follow_submissions import FollowCase

from .two_registries import registrant, second_registry

KIND = "urn:g2p:vocab:group-membership-kind"


def rest_endpoint_of(env, company, root_path, login, app="g2p_partner_api"):
    """An endpoint of ``app`` at ``root_path`` working for ``company``, run by a technical user of its own there."""
    in_company = {"company_id": company.id, "company_ids": [(6, 0, company.ids)]}
    runner = new_test_user(env, login, groups="g2p_partner_api.group_partner_api_runner", **in_company)
    return env["fastapi.endpoint"].create(
        {
            "name": f"{app} of {company.name}",
            "app": app,
            "root_path": root_path,
            "save_http_session": False,
            "user_id": runner.id,
            "company_id": company.id,
        }
    )


@tagged("post_install", "-at_install")
class TestRestEventsReadAsTheSubscriptionsEndpoint(G2PApiCase):
    """A partner works with company B's endpoint (``/api/v2-b``): it reads B's registrants there and A's are 404. Its
    subscription, made there, records that endpoint and is told of B's registrants, never of A's (the eighth audit
    found it read as the first REST endpoint: told of A's people, never of B's); nothing is sent once that endpoint
    is archived or moved to another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = second_registry(cls.env, "REST reads as its endpoint")
        cls._move_endpoint(cls.rest_endpoint, cls.company_a)
        cls.endpoint_b = rest_endpoint_of(cls.env, cls.company_b, "/api/v2-b", "f13rest_runner_b")
        cls.client_b, cls.secret_b = cls._create_client(
            "F13rest district B partner", scopes=["individual:read", "subscription:manage"]
        )
        cls.person_a = registrant(cls.env, cls.company_a, "Ama", "Zzf13resta")
        cls.person_b = registrant(cls.env, cls.company_b, "Bea", "Zzf13restb")

    def _call_b(self, method, path, **kwargs):
        with self._api(self.endpoint_b) as api:
            token = api.post(
                "/api/v2-b/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_b.client_id,
                    "client_secret": self.secret_b,
                },
            )
            self.assertEqual(token.status_code, 200, token.text)
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            return getattr(api, method)(f"/api/v2-b{path}", headers=headers, **kwargs)

    def _subscribe_at_b(self):
        created = self._call_b(
            "post",
            "/Subscription",
            json={"name": "F13rest B", "target_url": "https://b.example.org/hook", "events": ["individual.updated"]},
        )
        self.assertEqual(created.status_code, 201, created.text)
        return self.env["g2p.api.subscription"].search([("uuid", "=", created.json()["uuid"])])

    def _events_of(self, feed, person, family_name):
        """The bodies of the ``individual.updated`` events ``feed`` gets when ``person`` is renamed."""
        self.commit_events()  # the fixture's own events
        before = feed.delivery_ids
        person.write({"family_name": family_name})
        self.commit_events()
        return feed.delivery_ids - before

    def test_b_partner_is_told_of_its_own_person_never_of_a_person_of_a(self):
        self.assertEqual(self._call_b("get", f"/Individual/{self.person_b.uuid}").status_code, 200)
        self.assertEqual(self._call_b("get", f"/Individual/{self.person_a.uuid}").status_code, 404)
        feed = self._subscribe_at_b()
        self.assertEqual(feed.endpoint_id, self.endpoint_b, "the endpoint the partner called, set by the server")
        self.assertEqual(feed._reader(), (self.endpoint_b.user_id.id, self.company_b.id))
        self.assertFalse(self._events_of(feed, self.person_a, "Zzf13resta-Moved"), "A's person is never announced")
        (delivery,) = self._events_of(feed, self.person_b, "Zzf13restb-Moved")
        event = json.loads(delivery.body)
        self.assertEqual(event["subject"], self.person_b.uuid)
        self.assertEqual((event["data"]["given_name"], event["data"]["family_name"]), ("Bea", "Zzf13restb-Moved"))
        self.assertIsNone(delivery._refusal(), "each attempt reads as B's endpoint too")

    def test_a_back_office_subscription_is_not_placed_on_a_guessed_endpoint(self):
        (feed,) = self.env["g2p.api.subscription"].create(
            [
                {
                    "name": "F13rest back office",
                    "client_id": self.client_b.id,
                    "target_url": "https://b.example.org/hook",
                    "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_individual_updated").ids)],
                }
            ]
        )
        self.assertFalse(feed.endpoint_id, "two REST endpoints: none guessed")
        self.assertFalse(self._events_of(feed, self.person_a, "Zzf13resta-Unplaced"), "read as nobody: told nothing")
        self.assertFalse(self._events_of(feed, self.person_b, "Zzf13restb-Unplaced"))

    def test_an_attempt_after_the_endpoint_is_archived_or_moved_sends_nothing(self):
        feed = self._subscribe_at_b()
        (delivery,) = self._events_of(feed, self.person_b, "Zzf13restb-Archived")
        self.endpoint_b.active = False
        self.assertEqual(delivery._attempt(), "attempt 1: failed")
        refusal = "not sent: the REST endpoint its subscription reads as is not active (archived, deleted or moved)"
        self.assertEqual((delivery.state, delivery.attempt_ids.error), ("failed", refusal))
        self.assertIsNone(feed._reader(), "never read as another endpoint (A's is active)")
        self.assertFalse(self._events_of(feed, self.person_b, "Zzf13restb-While"), "no event while archived")
        self.endpoint_b.active = True
        self._move_endpoint(self.endpoint_b, self.company_a)
        self.assertFalse(feed.endpoint_id, "moved to another company: the subscription reads as it no more")
        self.assertFalse(self._events_of(feed, self.person_a, "Zzf13resta-Moved"), "not told of the new company's")


@tagged("post_install", "-at_install")
class TestIngestThroughSecondRegistryManagesItsHousehold(FollowCase):
    """A household of company B updated through B's ingest endpoint: its members (B's registrants, which B's REST
    endpoint reads) are the sender's to name and change, read as B's REST endpoint, not as the first REST endpoint
    (A's, which hides them: the member named by uuid was refused as unknown, and no member was managed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = second_registry(cls.env, "ingest reads as its registry")
        cls._move_endpoint(cls.rest_endpoint, cls.company_a)
        cls._move_endpoint(cls.endpoint, cls.company_a)
        rest_endpoint_of(cls.env, cls.company_b, "/api/v2-b", "f13ingest_rest_b")
        cls.ingest_b = rest_endpoint_of(
            cls.env, cls.company_b, "/partner-b", "f13ingest_runner_b", app="g2p_partner_ingest"
        )
        cls.client.scope_ids |= cls.env.ref("g2p_partner_api.scope_group_read")
        cls.head = registrant(cls.env, cls.company_b, "Dalitso", "Zzf13ingest", birthdate="1983-02-11")
        head_kind = cls.env["g2p.vocabulary.code"]._resolve(KIND, "head", "kinds")
        cls.household = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Zzf13ingest household",
                "company_id": cls.company_b.id,
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_household_id").id, "value": "HH-F13B1"})
                ],
                "group_member_ids": [
                    (0, 0, {"individual_id": cls.head.id, "kind_ids": head_kind.ids, "start_date": "2025-02-01"})
                ],
            }
        )
        cls.approver_b = new_test_user(
            cls.env,
            "f13ingest_approver_b",
            groups="g2p_partner_api.group_registry_approver",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def test_household_of_b_ingested_through_b_keeps_and_manages_its_members(self):
        item = {
            "name": "Zzf13ingest household",
            "identifiers": [{"system": "urn:g2p:id:household-id", "value": "HH-F13B1"}],
            "members": [
                {"individual": self.head.uuid, "kinds": [{"system": KIND, "code": "head"}], "start_date": "2025-02-01"},
                {
                    "new_individual": {"given_name": "Thoko", "family_name": "Zzf13ingest", "birthdate": "2014-08-03"},
                    "kinds": [{"system": KIND, "code": "child"}],
                },
            ],
        }
        with self._api(self.ingest_b) as api:
            response = api.post("/partner-b/ingest_data", json=self.body(item), params={"data_model": "REST_GROUP"})
        self.assertEqual(response.status_code, 200, response.text)
        self.run_jobs()
        data = response.json()
        correlation_id = (data.get("response_header") or {}).get("correlation_id") or data.get("ack", {}).get("ref")
        rows = self.Raw.search([("correlation_id", "=", correlation_id)])
        self.assertEqual((rows.state, rows.error_message), ("done", False), "the member named by uuid is known")
        request = rows.change_request_id
        self.assertEqual(
            (request.operation, request.registrant_id, request.company_id), ("update", self.household, self.company_b)
        )
        memberships = self.household.group_member_ids
        self.assertEqual(request._memberships_client_manages(self.client, memberships), memberships, "managed")
        request.with_user(self.approver_b).action_approve()
        self.assertEqual(request.state, "applied", request.error_message)
        members = {m.individual_id.name: m.kind_ids.mapped("code") for m in self.household.group_member_ids}
        self.assertEqual(members, {"Dalitso Zzf13ingest": ["head"], "Thoko Zzf13ingest": ["child"]})

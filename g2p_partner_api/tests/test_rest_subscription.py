"""/Subscription: partners manage their own subscriptions, under the rules of the staff's form."""

from odoo.tests import tagged

from ..services import subscription_service
from .common import G2PApiCase

ROOT = "/api/v2/Subscription"
MANAGE = "subscription:manage"


@tagged("post_install", "-at_install")
class TestRestSubscription(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Hooked partner", scopes=[MANAGE, "individual:read"])
        cls.other, cls.other_secret = cls._create_client("Other partner", scopes=[MANAGE, "individual:read"])
        cls.Subscription = cls.env["g2p.api.subscription"].with_context(active_test=False)
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _body(self, **vals):
        return dict(
            {"name": "Updates", "target_url": "https://hooks.partner.invalid/g2p", "events": ["individual.updated"]},
            **vals,
        )

    def _create(self, api, headers=None, **vals):
        response = api.post(ROOT, json=self._body(**vals), headers=headers or self.headers)
        self.assertEqual(response.status_code, 201, response.text)
        return response

    def _snapshot(self):
        """Every subscription as stored: what a refused call must leave as it was."""
        self.env.invalidate_all()
        return [
            (s.uuid, s.client_id.id, s.name, s.target_url, s.event_type_ids.ids, s.active, s.allow_insecure)
            for s in self.Subscription.search([], order="id")
        ]

    def _channel_event(self):
        """An event type of the registry's own channels (g2p_dci_search's, when installed)."""
        EventType = self.env["g2p.api.event.type"]
        return EventType.search([("code", "=", "dci.callback")]) or EventType.create({"code": "dci.callback"})

    def assert_refused(self, response, field, status=422):
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn(field, self.problem_fields(response), response.text)

    def test_create_shows_the_secret_once_and_the_subscription_is_the_callers(self):
        with self._api() as api:
            created = self._create(api)
            answer = created.json()
            subscription = self.Subscription.search([("uuid", "=", answer["uuid"])])
            self.assertEqual(subscription.client_id, self.client, "the caller's, whatever it sends")
            self.assertEqual(created.headers["Location"], f"{ROOT}/{answer['uuid']}")
            self.assertTrue(answer["signing_secret"].startswith("whsec_"))
            self.assertEqual(created.headers["Cache-Control"], "no-store", "no cache keeps the secret")
            self.assertEqual(subscription.sudo().hmac_secret, answer["signing_secret"])
            self.assertEqual(
                {k: answer[k] for k in ("name", "target_url", "events", "signing")},
                {
                    "name": "Updates",
                    "target_url": "https://hooks.partner.invalid/g2p",
                    "events": ["individual.updated"],
                    "signing": "hmac",
                },
            )
            self.assertNotIn("id", answer, "no database id leaves the system")
            read = api.get(f"{ROOT}/{answer['uuid']}", headers=self.headers)
            listed = api.get(ROOT, headers=self.headers)
        self.assertEqual(read.status_code, 200, read.text)
        self.assertNotIn("signing_secret", read.json())
        self.assertNotIn(answer["signing_secret"], read.text + listed.text, "shown once, never again")
        self.assertEqual([item["uuid"] for item in listed.json()["items"]], [answer["uuid"]])
        self.person.write({"family_name": "Subscribed through the API"})
        self.commit_events()
        self.assertEqual(subscription.delivery_ids.event_type, "individual.updated", "it receives its events")

    def test_target_url_follows_the_rules_of_the_form(self):
        before = self._snapshot()
        with self._api() as api:
            for url in (
                "http://hooks.partner.invalid/g2p",  # plain HTTP: only an administrator allows it, on the form
                "https://127.0.0.1/hook",  # loopback
                "https://10.1.2.3/hook",  # private network
                "https://hooks.partner.invalid/queue_job/runjob",  # a route of the registry itself
                "ftp://hooks.partner.invalid/g2p",
                "not a url",
            ):
                self.assert_refused(api.post(ROOT, json=self._body(target_url=url), headers=self.headers), "target_url")
            uuid = self._create(api).json()["uuid"]
            patched = api.patch(f"{ROOT}/{uuid}", json={"target_url": "https://169.254.169.254/"}, headers=self.headers)
            self.assert_refused(patched, "target_url")
            sneaked = api.post(ROOT, json=self._body(allow_insecure=True), headers=self.headers)
            self.assert_refused(sneaked, "allow_insecure")
        after = self._snapshot()
        self.assertEqual(len(after), len(before) + 1, "only the valid subscription was stored")
        self.assertEqual(after[-1][3], "https://hooks.partner.invalid/g2p")

    def test_events_must_exist_and_be_readable_by_the_client(self):
        self._channel_event()
        before = self._snapshot()
        with self._api() as api:
            for events in (["individual.nothing"], ["group.updated"], ["dci.callback"], [], ["individual.updated"] * 2):
                response = api.post(ROOT, json=self._body(events=events), headers=self.headers)
                self.assert_refused(response, "events")
        self.assertEqual(self._snapshot(), before)

    def test_patch_changes_what_is_sent_and_refuses_nulls(self):
        with self._api() as api:
            created = self._create(api)
            uuid = created.json()["uuid"]
            patched = api.patch(
                f"{ROOT}/{uuid}",
                json={"events": ["individual.created", "individual.archived"], "name": "Renamed"},
                headers=dict(self.headers, **{"If-Match": created.headers["ETag"]}),
            )
            self.assertEqual(patched.status_code, 200, patched.text)
            self.assertEqual(patched.json()["events"], ["individual.archived", "individual.created"])
            self.assertEqual(patched.json()["target_url"], "https://hooks.partner.invalid/g2p", "not sent: kept")
            before = self._snapshot()
            for field in ("name", "target_url", "events"):
                self.assert_refused(api.patch(f"{ROOT}/{uuid}", json={field: None}, headers=self.headers), field)
            stale = api.patch(
                f"{ROOT}/{uuid}",
                json={"name": "Lost update"},
                headers=dict(self.headers, **{"If-Match": created.headers["ETag"]}),
            )
            self.assertEqual(stale.status_code, 412, stale.text)
        self.assertEqual(self._snapshot(), before)
        subscription = self.Subscription.search([("uuid", "=", uuid)])
        self.assertEqual(subscription.name, "Renamed")

    def test_another_clients_subscription_answers_as_unknown(self):
        with self._api() as api:
            theirs = self._create(api, headers=self._auth(self.other, self.other_secret)).json()["uuid"]
            before = self._snapshot()
            unknown = "0b7e4f4e-6a56-4f8e-9a64-3c2f4b9d1a11"
            for method, body in (("get", None), ("patch", {"name": "Hijacked"}), ("delete", None)):
                answers = []
                for uuid in (theirs, unknown):
                    kwargs = {"json": body} if body else {}
                    response = getattr(api, method)(f"{ROOT}/{uuid}", headers=self.headers, **kwargs)
                    self.assertEqual(response.status_code, 404, response.text)
                    answers.append(response.json()["detail"].replace(uuid, "<uuid>"))
                self.assertEqual(answers[0], answers[1], f"{method}: the same answer")
            listed = api.get(ROOT, headers=self.headers).json()
        self.assertEqual((listed["total"], listed["items"]), (0, []))
        self.assertEqual(self._snapshot(), before)

    def test_the_partner_rotates_its_own_signing_secret(self):
        """POST /Subscription/{uuid}/secret: a new secret, shown once and to the partner only (nobody of the registry
        sees it: an API Manager may not replace it, TestShownOnceSecrets); another client's subscription answers as an
        unknown one and keeps its secret; one signed with the registry's key has none to replace."""
        with self._api() as api:
            created = self._create(api).json()
            subscription = self.Subscription.search([("uuid", "=", created["uuid"])])
            rotated = api.post(f"{ROOT}/{created['uuid']}/secret", headers=self.headers)
            self.assertEqual(rotated.status_code, 200, rotated.text)
            self.assertEqual(rotated.headers["Cache-Control"], "no-store")
            secret = rotated.json()["signing_secret"]
            self.assertTrue(secret.startswith("whsec_"))
            self.assertNotEqual(secret, created["signing_secret"])
            self.assertEqual(subscription.sudo().hmac_secret, secret)
            theirs = self._create(api, headers=self._auth(self.other, self.other_secret)).json()
            kept = self.Subscription.search([("uuid", "=", theirs["uuid"])]).sudo().hmac_secret
            answers = []
            for uuid in (theirs["uuid"], "0b7e4f4e-6a56-4f8e-9a64-3c2f4b9d1a11"):
                response = api.post(f"{ROOT}/{uuid}/secret", headers=self.headers)
                self.assertEqual(response.status_code, 404, response.text)
                answers.append(response.json()["detail"].replace(uuid, "<uuid>"))
            self.assertEqual(answers[0], answers[1])
            self.assertEqual(self.Subscription.search([("uuid", "=", theirs["uuid"])]).sudo().hmac_secret, kept)
            subscription.sudo().signing = "jws"
            refused = api.post(f"{ROOT}/{created['uuid']}/secret", headers=self.headers)
            self.assertEqual(refused.status_code, 409, refused.text)
            self.assertEqual(subscription.sudo().hmac_secret, secret)

    def test_registry_channels_are_not_the_clients_to_manage(self):
        channel_event = self._channel_event()
        channel = self.Subscription.create(
            {
                "name": "DCI callbacks",
                "client_id": self.client.id,
                "target_url": "https://hooks.partner.invalid/dci",
                "signing": "none",
                "event_type_ids": [(6, 0, channel_event.ids)],
            }
        )
        before = self._snapshot()
        with self._api() as api:
            self.assertEqual(api.get(ROOT, headers=self.headers).json()["total"], 0)
            path = f"{ROOT}/{channel.uuid}"
            self.assertEqual(api.get(path, headers=self.headers).status_code, 404)
            self.assertEqual(api.patch(path, json={"name": "Mine"}, headers=self.headers).status_code, 404)
            self.assertEqual(api.delete(path, headers=self.headers).status_code, 404)
        self.assertEqual(self._snapshot(), before)

    def test_delete_ends_the_subscription_and_keeps_what_was_sent(self):
        with self._api() as api:
            uuid = self._create(api).json()["uuid"]
            subscription = self.Subscription.search([("uuid", "=", uuid)])
            self.person.write({"family_name": "Before the end"})
            self.commit_events()
            deleted = api.delete(f"{ROOT}/{uuid}", headers=self.headers)
            self.assertEqual((deleted.status_code, deleted.content), (204, b""))
            self.assertEqual(api.get(f"{ROOT}/{uuid}", headers=self.headers).status_code, 404)
            self.assertEqual(api.get(ROOT, headers=self.headers).json()["total"], 0)
        self.assertFalse(subscription.active)
        self.assertEqual(len(subscription.delivery_ids), 1, "its deliveries stay recorded")
        self.person.write({"family_name": "After the end"})
        self.commit_events()
        self.assertEqual(len(subscription.delivery_ids), 1, "nothing more is sent")

    def test_scope_and_limit(self):
        reader, reader_secret = self._create_client("Reader only", scopes=["individual:read"])
        self.env["ir.config_parameter"].set_param(subscription_service.MAX_PARAM, "1")
        with self._api() as api:
            refused = api.post(ROOT, json=self._body(), headers=self._auth(reader, reader_secret))
            self.assertEqual(refused.status_code, 403, refused.text)
            self.assertEqual(api.get(ROOT, headers=self._auth(reader, reader_secret)).status_code, 403)
            self._create(api)
            before = self._snapshot()
            over = api.post(ROOT, json=self._body(name="Second"), headers=self.headers)
            self.assertEqual(over.status_code, 409, over.text)
        self.assertEqual(self._snapshot(), before)

    def test_subscriptions_made_before_the_uuid_get_one_each(self):
        """What an upgrade does for the new column: each existing subscription its own uuid."""
        with self._api() as api:
            for name in ("First", "Second"):
                self._create(api, name=name)
        subscriptions = self.Subscription.search([("client_id", "=", self.client.id)])
        self.env.flush_all()
        # as before the upgrade: no uuid column values (the column is made NOT NULL after _init_column)
        self.env.cr.execute("ALTER TABLE g2p_api_subscription ALTER COLUMN uuid DROP NOT NULL")
        self.env.cr.execute("UPDATE g2p_api_subscription SET uuid = NULL WHERE id IN %s", [tuple(subscriptions.ids)])
        self.Subscription._init_column("uuid")
        self.env.cr.execute("ALTER TABLE g2p_api_subscription ALTER COLUMN uuid SET NOT NULL")
        self.env.invalidate_all()
        uuids = subscriptions.mapped("uuid")
        self.assertTrue(all(uuids))
        self.assertEqual(len(set(uuids)), 2)

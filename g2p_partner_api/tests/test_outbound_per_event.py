import json

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import G2PReceiverCase, JsonRpcAttackMixin

DELIVERY = ["g2p.api.delivery"]
UPDATED_BODY = (
    '{"id": {{ subject | tojson }}, "kind": {{ event_type | tojson }}, "surname": {{ record.family_name | tojson }}}'
)


@tagged("post_install", "-at_install")
class TestOutboundPerEvent(G2PReceiverCase):
    """Per-event method, URL and payload (seed 004's per-method map), programme events, include_owner,
    payload templates and the callback mapping, through a real HTTP receiver."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Document store", ["individual:read", "individual:write", "program:read"])

    def _event(self, code):
        return self.env["g2p.api.event.type"].search([("code", "=", code)])

    def _configure(self, subscription, code, **vals):
        return self.env["g2p.api.subscription.event"].create(
            dict(subscription_id=subscription.id, event_type_id=self._event(code).id, **vals)
        )

    def _deliver(self):
        self.commit_events()
        self.run_jobs(DELIVERY)

    def _requests(self):
        return [(r["method"], r["path"], json.loads(r["body"]) if r["body"] else None) for r in self.receiver.requests]

    # --- 1. per-event method, URL and payload ------------------------------------------------
    def test_each_event_has_its_own_method_url_and_payload(self):
        sub, _secret = self._subscribe(["individual.created", "individual.updated", "individual.archived"])
        self._configure(sub, "individual.updated", http_method="PATCH", payload_template=UPDATED_BODY)
        self._configure(
            sub, "individual.archived", http_method="DELETE", url_template="{{ base }}/documents/{{ subject }}"
        )
        newcomer = self.env["res.partner"].create({"is_registrant": True, "given_name": "Newcomer"})
        self._deliver()
        self.person.write({"family_name": "Patched"})
        self._deliver()
        self.person._archive_registrant("Moved abroad")
        self._deliver()
        (created, patched, deleted) = self._requests()
        self.assertEqual(created[:2], ("POST", "/events"), "no settings of its own: the subscription's")
        self.assertEqual((created[2]["type"], created[2]["subject"]), ("org.g2p.individual.created", newcomer.uuid))
        self.assertEqual(
            patched,
            ("PATCH", "/events", {"id": self.person.uuid, "kind": "individual.updated", "surname": "Patched"}),
        )
        self.assertEqual(deleted, ("DELETE", f"/events/documents/{self.person.uuid}", None))
        deliveries = sub.delivery_ids.sorted("id")
        self.assertEqual(
            [(d.http_method, d.url) for d in deliveries],
            [
                ("POST", self.receiver.url + "/events"),
                ("PATCH", self.receiver.url + "/events"),
                ("DELETE", f"{self.receiver.url}/events/documents/{self.person.uuid}"),
            ],
            "each delivery records the method and URL it used",
        )
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})

    def test_event_settings_fall_back_to_the_subscription(self):
        sub, _secret = self._subscribe(
            ["individual.updated", "individual.archived"],
            http_method="PUT",
            url_template="{{ target_url }}/people/{{ subject }}",
            payload_template='{"person": {{ subject | tojson }}, "given": {{ record.given_name | tojson }}}',
        )
        self._configure(sub, "individual.archived", http_method="DELETE")
        self.person.write({"family_name": "Subscription-wide"})
        self._deliver()
        self.person._archive_registrant("Duplicate record")
        self._deliver()
        body = {"person": self.person.uuid, "given": self.person.given_name}
        self.assertEqual(
            self._requests(),
            [
                ("PUT", f"/events/people/{self.person.uuid}", body),
                ("DELETE", f"/events/people/{self.person.uuid}", None),
            ],
        )
        update = self.receiver.requests[0]
        self.assertEqual(
            json.loads(sub.delivery_ids.sorted("id")[0].body), body, "the rendered payload is what is signed"
        )
        self.assertTrue(update["headers"]["x-g2p-signature"].startswith("sha256="))

    def test_payload_template_renders_the_body_sent(self):
        sub, _secret = self._subscribe(
            ["individual.updated"],
            payload_template='{"event": {{ event.id | tojson }}, "data": {"uuid": {{ record.uuid | tojson }}}}',
        )
        self.person.write({"family_name": "Templated"})
        self._deliver()
        ((method, path, body),) = self._requests()
        event_id = sub.delivery_ids.event_id
        self.assertEqual(
            (method, path, body), ("POST", "/events", {"event": event_id, "data": {"uuid": self.person.uuid}})
        )

    def test_template_failing_on_an_event_is_logged_and_does_not_block_the_change(self):
        sub, _secret = self._subscribe(["individual.updated"])
        self._configure(sub, "individual.updated", payload_template='{"x": {{ record.no_such_field.deeper }}}')
        self.person.write({"family_name": "Still saved"})
        self._deliver()
        delivery = sub.delivery_ids
        self.assertEqual(self.person.family_name, "Still saved")
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 1))
        self.assertIn("template error", delivery.template_error)
        self.assertFalse(self.receiver.requests)
        with self.assertRaisesRegex(UserError, "template failed"):
            delivery.action_resend()

    def test_rendered_event_url_goes_through_the_destination_rules_at_send(self):
        port = self.receiver.url.rsplit(":", 1)[1]
        sub, _secret = self._subscribe(["individual.updated", "individual.archived"])
        # the receiver's own machine under a name the allow-list does not open, and a private address
        self._configure(sub, "individual.updated", url_template=f"http://localhost:{port}/{{{{ subject }}}}")
        self._configure(sub, "individual.archived", http_method="DELETE", url_template="http://10.1.2.3/{{ subject }}")
        self.person.write({"family_name": "Rerouted"})
        self._deliver()
        self.person._archive_registrant("Rerouted")
        self._deliver()
        deliveries = sub.delivery_ids.sorted("id")
        self.assertEqual(deliveries.mapped("state"), ["failed", "failed"], "refused, never retried")
        self.assertEqual(deliveries.mapped("attempt_count"), [1, 1])
        self.assertRegex(deliveries[0].attempt_ids.error, r"^not sent: localhost is this registry or this machine")
        self.assertRegex(deliveries[1].attempt_ids.error, r"^not sent: 10\.1\.2\.3 leads to a non-public address")
        self.assertFalse(self.receiver.requests, "nothing reached any address")

    def test_rendered_event_url_in_plain_http_refused_when_the_subscription_requires_https(self):
        sub = self.env["g2p.api.subscription"].create(
            {
                "name": "TLS only",
                "client_id": self.client.id,
                "target_url": "https://documents.partner.example/hook",
                "event_type_ids": [(6, 0, self._event("individual.updated").ids)],
                "signing": "none",
            }
        )
        self._configure(sub, "individual.updated", url_template=self.receiver.url + "/clear/{{ subject }}")
        self.person.write({"family_name": "Downgraded"})
        self._deliver()
        self.assertEqual(sub.delivery_ids.state, "failed")
        self.assertIn("plain HTTP", sub.delivery_ids.attempt_ids.error)
        self.assertFalse(self.receiver.requests)

    def test_event_settings_only_for_subscribed_events_and_valid_templates(self):
        sub, _secret = self._subscribe(["individual.updated"])
        with self.assertRaisesRegex(ValidationError, "does not subscribe"), self.env.cr.savepoint():
            self._configure(sub, "individual.archived", http_method="DELETE")
        with self.assertRaisesRegex(ValidationError, "Template"), self.env.cr.savepoint():
            self._configure(sub, "individual.updated", url_template="{% for %}/broken")
        config = self._configure(sub, "individual.updated", http_method="PATCH")
        with (
            self.assertRaisesRegex(ValidationError, "Remove the settings of individual.updated"),
            self.env.cr.savepoint(),
        ):
            sub.write({"event_type_ids": [(6, 0, self._event("individual.created").ids)]})
        self.assertEqual(sub.event_config_ids, config)
        self.assertEqual(sub.event_type_ids.mapped("code"), ["individual.updated"])

    # --- 2. programme events ------------------------------------------------------------------
    def test_programme_events_pass_the_programme_and_scope_checks(self):
        sub, _secret = self._subscribe(["programme.created", "programme.updated", "programme.archived"])
        blind, _blind_secret = self._create_client("No programme scope", scopes=["individual:read"])
        blind_sub, _secret2 = self._subscribe(["programme.created", "programme.updated"], client_id=blind.id)
        seen, hidden = self.env["g2p.program"].create([{"name": "Cash transfer"}, {"name": "Not for this partner"}])
        self.client.write({"all_programs": False, "allowed_program_ids": [(6, 0, seen.ids)]})
        self._deliver()
        seen.action_activate()
        hidden.action_activate()
        self._deliver()
        (seen | hidden).action_archive()
        self._deliver()
        self.assertFalse(blind_sub.delivery_ids, "a client without program:read is not told")
        self.assertEqual(set(sub.delivery_ids.mapped("subject")), {seen.uuid}, "nor of a programme it may not see")
        events = [(body["type"], body["data"]["state"], body["data"]["name"]) for _m, _p, body in self._requests()]
        self.assertEqual(
            events,
            [
                ("org.g2p.programme.created", "draft", "Cash transfer"),
                ("org.g2p.programme.updated", "active", "Cash transfer"),
                ("org.g2p.programme.archived", "active", "Cash transfer"),
            ],
        )
        self.assertEqual(self._requests()[0][2]["data"]["uuid"], seen.uuid)

    # --- 3. include_owner -----------------------------------------------------------------------
    def test_include_owner_names_the_api_client_or_staff_never_a_login(self):
        with_owner, _secret = self._subscribe(["individual.created"], include_owner=True)
        without, _secret2 = self._subscribe(["individual.created"], name="No owner")
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual", headers=self._auth(self.client, self.secret), json={"given_name": "From API"}
            )
        self.assertEqual(response.status_code, 201, response.text)
        self.commit_events()
        officer = new_test_user(self.env, "owner_officer_login", groups="g2p_partner_api.group_registry_officer")
        by_staff = self.env["res.partner"].with_user(officer).create({"is_registrant": True, "given_name": "By staff"})
        self._deliver()
        owners = {json.loads(d.body)["subject"]: json.loads(d.body).get("g2powner") for d in with_owner.delivery_ids}
        self.assertEqual(owners, {response.json()["uuid"]: "client:Document store", by_staff.uuid: "staff"})
        self.assertEqual([json.loads(d.body).get("g2powner") for d in without.delivery_ids], [None, None])
        for request in self.receiver.requests:
            self.assertNotIn(b"owner_officer_login", request["body"])
            self.assertNotIn(b"g2p_partner_api_runner", request["body"], "the API's own user is not named either")

    # --- 4. callback mapping --------------------------------------------------------------------
    def test_callback_mapping_stores_several_external_references(self):
        sub, _secret = self._subscribe(
            ["individual.updated"],
            callback_json_path="$.id",
            callback_mapping_ids=[
                (0, 0, {"json_path": "$.documentId", "ref_type": "document"}),
                (0, 0, {"json_path": "$.links[*].id", "ref_type": "link"}),
            ],
        )
        self.receiver.answer(
            201, {"id": "P-1", "documentId": "DOC-9", "links": [{"id": "L-1"}, {"id": "L-2"}, {"id": "L-1"}, {}]}
        )
        self.person.write({"family_name": "Referenced"})
        self._deliver()

        def refs():
            return sorted(self.person.external_ref_ids.mapped(lambda r: (r.ref_type, r.external_id)))

        self.assertEqual(refs(), [("document", "DOC-9"), ("id", "P-1"), ("link", "L-1"), ("link", "L-2")])
        self.assertEqual(set(self.person.external_ref_ids.mapped("subscription_id")), {sub})
        self.assertEqual(set(self.person.external_ref_ids.mapped("record_uuid")), {self.person.uuid})
        # the partner's later answer replaces the types it speaks of and keeps the others
        self.receiver.answer(200, {"links": [{"id": "L-3"}], "documentId": None})
        self.person.write({"family_name": "Re-referenced"})
        self._deliver()
        self.assertEqual(refs(), [("document", "DOC-9"), ("id", "P-1"), ("link", "L-3")])

    def test_bad_json_path_refused_on_save(self):
        sub, _secret = self._subscribe(["individual.updated"])
        Mapping = self.env["g2p.api.callback.mapping"]
        for path in ("$.links[*", "$[?(@.id ==", "not a path ]"):
            with (
                self.subTest(path=path),
                self.assertRaisesRegex(ValidationError, "Not a usable JSONPath"),
                self.env.cr.savepoint(),
            ):
                Mapping.create({"subscription_id": sub.id, "json_path": path, "ref_type": "link"})
            with (
                self.subTest(path=path),
                self.assertRaisesRegex(ValidationError, "Not a usable JSONPath"),
                self.env.cr.savepoint(),
            ):
                sub.write({"callback_json_path": path})
        self.assertFalse(Mapping.search([("subscription_id", "=", sub.id)]))
        self.assertFalse(sub.callback_json_path)


@tagged("post_install", "-at_install")
class TestOutboundSettingsEditors(JsonRpcAttackMixin, HttpCase):
    """Per-event settings and callback mappings are edited by whoever may edit subscriptions: API managers; a URL
    template (where the event goes) by system administrators only (TestDestinationCustody)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.env["g2p.api.client"].create({"name": "Settings partner"})
        updated = cls.env.ref("g2p_partner_api.event_individual_updated")
        cls.archived_event = cls.env.ref("g2p_partner_api.event_individual_archived")
        cls.subscription = cls.env["g2p.api.subscription"].create(
            {
                "name": "Settings",
                "client_id": client.id,
                "target_url": "https://partner.example.org/hook",
                "event_type_ids": [(6, 0, (updated | cls.archived_event).ids)],
                "callback_mapping_ids": [(0, 0, {"json_path": "$.id", "ref_type": "document"})],
            }
        )
        cls.config = cls.env["g2p.api.subscription.event"].create(
            {"subscription_id": cls.subscription.id, "event_type_id": updated.id, "http_method": "PUT"}
        )
        cls._user("outbound_officer", "g2p_partner_api.group_registry_approver")
        cls._user("outbound_manager", "g2p_partner_api.group_api_manager")

    def _state(self):
        self.env.invalidate_all()
        sub = self.subscription
        return (
            sorted(sub.event_config_ids.mapped(lambda c: (c.event_type_id.code, c.http_method, c.url_template))),
            sub.callback_mapping_ids.mapped(lambda m: (m.json_path, m.ref_type)),
        )

    def test_non_manager_cannot_edit_over_json_rpc(self):
        before = self._state()
        self._as("outbound_officer")
        attacks = [
            ("g2p.api.subscription.event", "write", [[self.config.id], {"url_template": "http://10.0.0.1/x"}]),
            (
                "g2p.api.subscription.event",
                "create",
                [{"subscription_id": self.subscription.id, "event_type_id": self.archived_event.id}],
            ),
            ("g2p.api.subscription.event", "unlink", [[self.config.id]]),
            (
                "g2p.api.callback.mapping",
                "create",
                [{"subscription_id": self.subscription.id, "json_path": "$.x", "ref_type": "x"}],
            ),
            ("g2p.api.callback.mapping", "write", [self.subscription.callback_mapping_ids.ids, {"json_path": "$.y"}]),
            (
                "g2p.api.subscription",
                "write",
                [[self.subscription.id], {"event_config_ids": [(1, self.config.id, {"http_method": "DELETE"})]}],
            ),
        ]
        for model, method, args in attacks:
            with self.subTest(model=model, method=method), mute_logger("odoo.http"):
                result, error = self.call_kw(model, method, args)
                self.assertIsNone(result)
                self.assertIn("AccessError", error)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_api_manager_edits_over_json_rpc(self):
        self._as("outbound_manager")
        result, error = self.call_kw(
            "g2p.api.subscription.event",
            "create",
            [
                {
                    "subscription_id": self.subscription.id,
                    "event_type_id": self.archived_event.id,
                    "http_method": "DELETE",
                }
            ],
        )
        self.assertIsNone(error)
        self.assertTrue(result)
        with mute_logger("odoo.http"):
            _result, error = self.call_kw(
                "g2p.api.subscription.event",
                "write",
                [[result], {"url_template": "{{ base }}/documents/{{ subject }}"}],
            )
        self.assertIn("AccessError", error, "where the event goes is an administrator's")
        with mute_logger("odoo.http"):
            _result, error = self.call_kw(
                "g2p.api.callback.mapping",
                "create",
                [{"subscription_id": self.subscription.id, "json_path": "$[", "ref_type": "x"}],
            )
        self.assertIn("ValidationError", error, "a bad JSONPath is refused over JSON-RPC too")
        self.assertEqual(
            self._state()[0],
            [
                ("individual.archived", "DELETE", False),
                ("individual.updated", "PUT", False),
            ],
        )
        self.assertEqual(self._state()[1], [("$.id", "document")])

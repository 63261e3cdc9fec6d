"""Where a partner's personal data is sent (a subscription's client, target URL and URL templates, a client's DCI
callback URL once set, signed or not) is the partner's to say (its own REST calls) or a system administrator's:
an API Manager who could change it would receive what the partner may read. Each attack goes through the web
client's JSON-RPC routes as an API Manager and must be refused with the database left as it was; the API
Manager's honest work on the same records, the administrator's and the partner's own changes still pass."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase, JsonRpcAttackMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"
PARTNER_URL = "https://hooks.partner.example.org/g2p"
THIEF_URL = "https://collector.thief.example.net/g2p"


@tagged("post_install", "-at_install")
class TestDestinationCustody(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.updated = env.ref("g2p_partner_api.event_individual_updated")
        cls.archived = env.ref("g2p_partner_api.event_individual_archived")
        cls.partner = env["g2p.api.client"].create(
            {"name": "Payments partner", "dci_callback_url": "https://spmis.partner.example.org/dci"}
        )
        cls.colluder = env["g2p.api.client"].create({"name": "Colluding client"})
        cls.subscription = env["g2p.api.subscription"].create(
            {
                "name": "Payments hook",
                "client_id": cls.partner.id,
                "target_url": PARTNER_URL,
                "event_type_ids": [(6, 0, (cls.updated | cls.archived).ids)],
            }
        )
        cls.config = env["g2p.api.subscription.event"].create(
            {"subscription_id": cls.subscription.id, "event_type_id": cls.updated.id, "http_method": "PUT"}
        )
        cls.other_subscription = env["g2p.api.subscription"].create(
            {
                "name": "Colluder hook",
                "client_id": cls.colluder.id,
                "target_url": THIEF_URL,
                "event_type_ids": [(6, 0, cls.updated.ids)],
            }
        )
        cls._user("dest_api_manager", "g2p_partner_api.group_api_manager")
        cls._user("dest_admin", "base.group_system,g2p_partner_api.group_api_manager")

    def _state(self):
        self.env.invalidate_all()
        Subscription = self.env["g2p.api.subscription"].with_context(active_test=False)
        return (
            sorted(
                (s.name, s.client_id.name, s.target_url, s.url_template, s.signing)
                for s in Subscription.search([("client_id", "in", (self.partner | self.colluder).ids)])
            ),
            sorted(
                (c.subscription_id.name, c.event_type_id.code, c.url_template)
                for c in self.env["g2p.api.subscription.event"].search(
                    [("subscription_id", "in", (self.subscription | self.other_subscription).ids)]
                )
            ),
            self.partner.dci_callback_url,
        )

    def _refused(self, attacks):
        before = self._state()
        for model, method, args in attacks:
            with self.subTest(model=model, method=method, args=args), mute_logger("odoo.http"):
                result, error = self.call_kw(model, method, args)
                self.assertIsNone(result)
                self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_api_manager_cannot_divert_a_partners_subscription(self):
        self._as("dest_api_manager")
        sub = [self.subscription.id]
        self._refused(
            [
                ("g2p.api.subscription", "write", [sub, {"target_url": THIEF_URL}]),
                ("g2p.api.subscription", "write", [sub, {"url_template": THIEF_URL + "/{{ subject }}"}]),
                # the partner's subscription handed to the colluder, or the colluder's stream given the partner's
                # reading rights: either way the partner's data reaches the thief's URL
                ("g2p.api.subscription", "write", [sub, {"client_id": self.colluder.id}]),
                ("g2p.api.subscription", "write", [[self.other_subscription.id], {"client_id": self.partner.id}]),
                (
                    "g2p.api.subscription",
                    "create",
                    [
                        {
                            "name": "Second hook",
                            "client_id": self.partner.id,
                            "target_url": THIEF_URL,
                            "event_type_ids": [(6, 0, self.updated.ids)],
                        }
                    ],
                ),
                ("g2p.api.subscription", "copy", [sub]),
                # through the subscription's one2many, and on the per-event settings themselves
                (
                    "g2p.api.subscription",
                    "write",
                    [sub, {"event_config_ids": [(1, self.config.id, {"url_template": THIEF_URL})]}],
                ),
                (
                    "g2p.api.subscription",
                    "write",
                    [
                        sub,
                        {"event_config_ids": [(0, 0, {"event_type_id": self.archived.id, "url_template": THIEF_URL})]},
                    ],
                ),
                ("g2p.api.subscription.event", "write", [[self.config.id], {"url_template": THIEF_URL}]),
                (
                    "g2p.api.subscription.event",
                    "create",
                    [
                        {
                            "subscription_id": self.subscription.id,
                            "event_type_id": self.archived.id,
                            "url_template": THIEF_URL + "/{{ subject }}",
                        }
                    ],
                ),
                (
                    "g2p.api.subscription.event",
                    "write",
                    [[self.config.id], {"subscription_id": self.other_subscription.id}],
                ),
                # unsigned: the partner can no longer tell the registry's deliveries from anyone's
                ("g2p.api.subscription", "write", [sub, {"signing": "none"}]),
                # the answers to the partner's asynchronous DCI searches and its notifications
                ("g2p.api.client", "write", [self.partner.ids, {"dci_callback_url": THIEF_URL}]),
                ("g2p.api.client", "write", [self.partner.ids, {"dci_callback_url": False}]),
            ]
        )

    def test_api_manager_still_configures_what_does_not_say_where(self):
        users = self.env["res.users"].search([("login", "in", ("dest_api_manager", "dest_admin"))])
        may_create = {
            user.login: self.env["g2p.api.subscription"].with_user(user).has_access("create") for user in users
        }
        # no "New" for API Managers: a subscription is where it sends (its access rights, not only its checks)
        self.assertEqual(may_create, {"dest_api_manager": False, "dest_admin": True})
        self._as("dest_api_manager")
        sub = [self.subscription.id]
        for model, method, args in [
            ("g2p.api.subscription", "write", [sub, {"name": "Payments hook (v2)", "max_attempts": 3}]),
            ("g2p.api.subscription", "write", [sub, {"signing": "jws"}]),
            ("g2p.api.subscription", "write", [sub, {"payload_template": '{"id": {{ subject | tojson }}}'}]),
            ("g2p.api.subscription", "write", [sub, {"active": False}]),
            ("g2p.api.subscription.event", "write", [[self.config.id], {"http_method": "PATCH"}]),
            (
                "g2p.api.subscription.event",
                "create",
                [{"subscription_id": self.subscription.id, "event_type_id": self.archived.id, "http_method": "DELETE"}],
            ),
            # a client's first callback URL is onboarding
            ("g2p.api.client", "write", [self.colluder.ids, {"dci_callback_url": "https://dci.colluder.example/dci"}]),
        ]:
            with self.subTest(model=model, method=method, args=args):
                _result, error = self.call_kw(model, method, args)
                self.assertIsNone(error)
        self.env.invalidate_all()
        sub = self.subscription.with_context(active_test=False)
        self.assertEqual(
            (sub.name, sub.target_url, sub.signing, sub.active), ("Payments hook (v2)", PARTNER_URL, "jws", False)
        )
        self.assertEqual(sorted(sub.event_config_ids.mapped("http_method")), ["DELETE", "PATCH"])

    def test_administrator_sets_where(self):
        self._as("dest_admin")
        _result, error = self.call_kw(
            "g2p.api.subscription",
            "write",
            [[self.subscription.id], {"target_url": PARTNER_URL + "/v2", "signing": "none"}],
        )
        self.assertIsNone(error)
        _result, error = self.call_kw(
            "g2p.api.client",
            "write",
            [self.partner.ids, {"dci_callback_url": "https://spmis2.partner.example.org/dci"}],
        )
        self.assertIsNone(error)
        self.env.invalidate_all()
        self.assertEqual((self.subscription.target_url, self.subscription.signing), (PARTNER_URL + "/v2", "none"))
        self.assertEqual(self.partner.dci_callback_url, "https://spmis2.partner.example.org/dci")


@tagged("post_install", "-at_install")
class TestPartnerSaysWhere(G2PApiCase):
    """The partner moves its own subscription through /Subscription (subscription:manage), as before."""

    def test_partner_moves_its_own_subscription(self):
        client, secret = self._create_client("Self-managing partner", scopes=["subscription:manage", "individual:read"])
        headers = self._auth(client, secret)
        body = {"name": "Updates", "target_url": PARTNER_URL, "events": ["individual.updated"]}
        with self._api() as api:
            created = api.post("/api/v2/Subscription", json=body, headers=headers)
            self.assertEqual(created.status_code, 201, created.text)
            moved = api.patch(
                f"/api/v2/Subscription/{created.json()['uuid']}",
                json={"target_url": PARTNER_URL + "/v2"},
                headers=headers,
            )
            self.assertEqual(moved.status_code, 200, moved.text)
        subscription = self.env["g2p.api.subscription"].search([("client_id", "=", client.id)])
        self.assertEqual(subscription.target_url, PARTNER_URL + "/v2")

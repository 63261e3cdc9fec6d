import socket

import requests

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import config, mute_logger

from ..services import url_guard
from .common import G2PReceiverCase, JsonRpcAttackMixin
from .http_receiver import Receiver

DELIVERY = ["g2p.api.delivery"]
PRIVATE_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "http://127.0.0.1:8069/web",
    "http://localhost:8069/web",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",
    "http://127.1/hook",
    "http://0x7f.0.0.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://odoo.localhost/hook",
    # IPv6 forms that reach a private IPv4 address (ninth audit): NAT64, 6to4, IPv4-compatible, local NAT64
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "https://[64:ff9b::a00:102]/hook",
    "https://[2002:a9fe:a9fe::1]/hook",
    "https://[::7f00:1]/hook",
    "https://[64:ff9b:1::808:808]/hook",
]


@tagged("post_install", "-at_install")
class TestOutboundDestinations(G2PReceiverCase):
    """Outbound calls never reach loopback, link-local, private addresses or the registry itself,
    unless a system administrator allow-lists them; redirects are not followed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, _secret = cls._create_client("Partner", scopes=["individual:read"])
        cls.manager = new_test_user(cls.env, "ssrf_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")
        cls.event = cls.env.ref("g2p_partner_api.event_individual_updated")

    def _subscription_vals(self, **vals):
        return dict(
            {
                "name": "Hook",
                "client_id": self.client.id,
                "target_url": "https://partner.example.org/hook",
                "allow_insecure": True,
                "event_type_ids": [(6, 0, self.event.ids)],
                "max_attempts": 2,
            },
            **vals,
        )

    def test_private_destinations_refused_at_save(self):
        # plain HTTP and where deliveries go are an administrator's (TestDestinationCustody): the checks of the URL
        # apply to administrators too
        Subscription = self.env["g2p.api.subscription"]
        existing = Subscription.create(self._subscription_vals())
        for url in PRIVATE_URLS:
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "Destination refused"),
                self.env.cr.savepoint(),
            ):
                self.env["g2p.api.subscription"].create(self._subscription_vals(target_url=url))
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "Destination refused"),
                self.env.cr.savepoint(),
            ):
                existing.write({"target_url": url})
        self.env.invalidate_all()
        self.assertEqual(Subscription.search([("client_id", "=", self.client.id)]), existing)
        self.assertEqual(existing.target_url, "https://partner.example.org/hook")

    def test_ipv6_forms_are_checked_as_the_ipv4_address_they_reach(self):
        policy = url_guard.policy(self.env)
        for address in ("64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"):
            with self.subTest(address=address):
                policy.check_address("partner.example.org", address, 443)  # 8.8.8.8: public
        for address in ("64:ff9b::a00:102", "2002:a00:102::1", "::a00:102", "64:ff9b:1::808:808"):
            with self.subTest(address=address), self.assertRaises(url_guard.DestinationRefused):
                policy.check_address("partner.example.org", address, 443)
        self.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, "10.0.0.0/8:443")
        url_guard.policy(self.env).check_address("payments.intranet", "64:ff9b::a00:102", 443)  # 10.0.1.2, listed

    def test_host_name_resolving_to_a_private_address_refused_at_save(self):
        real = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            if host == "metadata.partner.test":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
            return real(host, *args, **kwargs)

        self.patch(socket, "getaddrinfo", resolve)
        with self.assertRaisesRegex(ValidationError, "169.254.169.254"):
            self.env["g2p.api.subscription"].create(
                self._subscription_vals(target_url="http://metadata.partner.test/x")
            )

    def test_allow_list_is_what_an_administrator_opens(self):
        self._allow_outbound_hosts(
            self.receiver.host_port, "10.20.0.0/16", "intranet.partner.test", "[fd00::/8]:8443", "10.30.0.1:8080"
        )
        for url in (
            self.receiver.url + "/hook",
            "http://10.20.3.4/hook",
            "https://10.20.3.4/hook",
            "http://intranet.partner.test/hook",
            "https://[fd00::1]:8443/hook",
            "http://10.30.0.1:8080/hook",
        ):
            with self.subTest(url=url):
                self.env["g2p.api.subscription"].create(self._subscription_vals(target_url=url))
        # a host without a port opens 80 and 443 only; a host with one, that port only
        for url in (
            "http://10.21.0.1/hook",
            "http://10.20.3.4:8080/hook",
            "https://[fd00::1]/hook",
            "http://10.30.0.1/hook",
            "http://127.0.0.1:1/hook",
        ):
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "Destination refused"),
                self.env.cr.savepoint(),
            ):
                self.env["g2p.api.subscription"].create(self._subscription_vals(target_url=url))

    def test_registry_routes_and_ports_never_open_even_when_listed(self):
        own_ports = [int(config["http_port"]), int(config["gevent_port"])]
        self._allow_outbound_hosts(
            self.receiver.host_port, "intranet.partner.test", *(f"127.0.0.1:{port}" for port in own_ports)
        )
        refused = [f"http://127.0.0.1:{port}/hook" for port in own_ports] + [
            f"{self.receiver.url}/queue_job/runjob?db=x&job_uuid=y",
            f"{self.receiver.url}/%71ueue_job/runjob",
            f"{self.receiver.url}/hook/../queue_job/runjob",
            f"{self.receiver.url}//web/session/authenticate",
            f"{self.receiver.url}/jsonrpc",
            "http://intranet.partner.test/odoo/action-1",
        ]
        for url in refused:
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "Destination refused: .*(this registry|registry itself)"),
                self.env.cr.savepoint(),
            ):
                self.env["g2p.api.subscription"].create(self._subscription_vals(target_url=url))
        self.assertFalse(self.env["g2p.api.subscription"].search([("client_id", "=", self.client.id)]))
        # a partner path that only starts like one of them is not one of them
        self.env["g2p.api.subscription"].create(self._subscription_vals(target_url=self.receiver.url + "/webhook"))

    def test_url_template_to_a_registry_route_or_port_refused_at_send(self):
        own_port = int(config["http_port"])
        self._allow_outbound_hosts(self.receiver.host_port, f"127.0.0.1:{own_port}")
        for template in ("{{ base }}/../queue_job/runjob", f"http://127.0.0.1:{own_port}/{{{{ subject }}}}"):
            with self.subTest(template=template):
                subscription = self.env["g2p.api.subscription"].create(
                    self._subscription_vals(target_url=self.receiver.url + "/e", url_template=template)
                )
                delivery = self._send_event(subscription)
                self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 1), "refused, never retried")
                self.assertRegex(delivery.attempt_ids.error, r"^not sent: .*(port of this registry|registry itself)")
                self.assertFalse(self.receiver.requests, "nothing was sent")
                subscription.active = False

    def _send_event(self, subscription):
        self.person.write({"family_name": "Outbound"})
        self.commit_events()
        self.run_jobs(DELIVERY)
        return subscription.delivery_ids

    def test_url_template_rendering_to_a_private_address_refused_at_send(self):
        subscription = self.env["g2p.api.subscription"].create(
            self._subscription_vals(url_template=self.receiver.url + "/stolen/{{ event.subject }}")
        )
        delivery = self._send_event(subscription)
        self.assertTrue(delivery.url.startswith(self.receiver.url))
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 1), "refused, never retried")
        self.assertRegex(delivery.attempt_ids.error, r"^not sent: .*non-public address")
        self.assertFalse(delivery.attempt_ids.response_excerpt)
        self.assertFalse(self.receiver.requests, "nothing reached the address")

    def test_allow_list_withdrawn_after_save_refuses_at_send(self):
        self._allow_outbound_hosts(self.receiver.host_port)
        subscription = self.env["g2p.api.subscription"].create(
            self._subscription_vals(target_url=self.receiver.url + "/e")
        )
        self._allow_outbound_hosts()
        delivery = self._send_event(subscription)
        self.assertEqual(delivery.state, "failed")
        self.assertFalse(self.receiver.requests)

    def test_redirect_not_followed_and_its_answer_not_kept(self):
        self._allow_outbound_hosts(self.receiver.host_port)
        subscription = self.env["g2p.api.subscription"].create(
            self._subscription_vals(target_url=self.receiver.url + "/e")
        )
        self.receiver.answer(
            302, {"secret": "from the redirecting host"}, headers={"Location": self.receiver.url + "/elsewhere"}
        )
        delivery = self._send_event(subscription)
        self.assertEqual([r["path"] for r in self.receiver.requests], ["/e"], "the redirect was not followed")
        attempt = delivery.attempt_ids
        self.assertEqual((delivery.state, attempt.status_code, attempt.error), ("failed", 302, "redirect not followed"))
        self.assertFalse(attempt.response_excerpt)

    def test_connection_checked_after_dns_resolution(self):
        """A partner's name that resolves to a private address at send time (DNS rebinding) is not connected to."""
        real = socket.getaddrinfo
        port = int(self.receiver.url.rsplit(":", 1)[1])

        def resolve(host, *args, **kwargs):
            if host == "rebinding.partner.test":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            return real(host, *args, **kwargs)

        self.patch(socket, "getaddrinfo", resolve)
        request = requests.Request("POST", f"http://rebinding.partner.test:{port}/x", data=b"{}").prepare()
        # the adapter itself (Odoo's test harness stops requests to other hosts before any adapter)
        with self.assertRaisesRegex(url_guard.DestinationRefused, "non-public address"):
            url_guard.CheckedAdapter(url_guard.policy(self.env)).send(request, timeout=5)
        self.assertFalse(self.receiver.requests)
        self._allow_outbound_hosts(f"127.0.0.0/8:{port}")
        response = url_guard.CheckedAdapter(url_guard.policy(self.env)).send(request, timeout=5)
        self.assertEqual((response.status_code, len(self.receiver.requests)), (200, 1))


@tagged("post_install", "-at_install")
class TestAllowListForAdministratorsOnly(HttpCase):
    def test_api_manager_cannot_open_the_allow_list_over_json_rpc(self):
        new_test_user(self.env, "ssrf_manager", password="ssrf_manager_pw", groups="g2p_partner_api.group_api_manager")
        self.authenticate("ssrf_manager", "ssrf_manager_pw")
        calls = [
            ("set_param", [url_guard.ALLOWED_HOSTS_PARAM, "169.254.169.254"]),
            ("create", [{"key": url_guard.ALLOWED_HOSTS_PARAM, "value": "0.0.0.0/0"}]),
        ]
        for method, args in calls:
            with (
                self.subTest(method=method),
                mute_logger("odoo.http"),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {"model": "ir.config_parameter", "method": method, "args": args, "kwargs": {}},
                )
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(url_guard.ALLOWED_HOSTS_PARAM))


@tagged("post_install", "-at_install")
class TestPlainHttpAndRegistryRoutesOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    """Plain HTTP outbound is a system administrator's choice, as for DCI callbacks; an allow-listed host never
    opens the registry's own routes, whoever saves the subscription."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("http_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls._user("http_admin", "base.group_user,base.group_system")
        cls.client = cls.env["g2p.api.client"].create({"name": "Payments"})
        cls.event = cls.env.ref("g2p_partner_api.event_individual_updated")
        cls.receiver = Receiver().__enter__()
        cls.addClassCleanup(cls.receiver.__exit__, None, None, None)
        cls.env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, cls.receiver.host_port)
        cls.subscription = cls.env["g2p.api.subscription"].create(
            {
                "name": "Payments feed",
                "client_id": cls.client.id,
                "target_url": f"https://{cls.receiver.host_port}/events",
                "event_type_ids": [(6, 0, cls.event.ids)],
            }
        )

    def _vals(self, url, **vals):
        return dict(
            {
                "name": "Hook",
                "client_id": self.client.id,
                "target_url": url,
                "event_type_ids": [(6, 0, self.event.ids)],
            },
            **vals,
        )

    def _subscriptions(self):
        self.env.invalidate_all()
        return self.env["g2p.api.subscription"].search([]).read(["target_url", "allow_insecure"])

    def test_api_manager_cannot_allow_plain_http(self):
        before = self._subscriptions()
        self._as("http_api_manager")
        result, error = self.call_kw(
            "g2p.api.subscription", "create", [self._vals(self.receiver.url + "/plain", allow_insecure=True)]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        result, error = self.call_kw(
            "g2p.api.subscription", "write", [[self.subscription.id], {"allow_insecure": True}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        result, error = self.call_kw(
            "g2p.api.subscription",
            "write",
            [[self.subscription.id], {"allow_insecure": True, "target_url": self.receiver.url + "/events"}],
            {"context": {"active_test": False}},
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._subscriptions(), before, "nothing changed")
        # the honest path: an administrator may (a test endpoint, a trusted network)
        self._as("http_admin")
        result, error = self.call_kw(
            "g2p.api.subscription", "write", [[self.subscription.id], {"allow_insecure": True}]
        )
        self.assertIsNone(error)
        self.assertTrue(self.subscription.allow_insecure)

    def test_listed_host_never_opens_the_registry_routes_or_ports(self):
        before = self._subscriptions()
        own_port = int(config["http_port"])
        self.env["ir.config_parameter"].set_param(
            url_guard.ALLOWED_HOSTS_PARAM, f"{self.receiver.host_port},127.0.0.1:{own_port}"
        )
        # an administrator: where deliveries go is theirs to set (TestDestinationCustody), within these rules
        self._as("http_admin")
        for url in (
            f"https://{self.receiver.host_port}/queue_job/runjob",
            f"https://{self.receiver.host_port}/x/..%2fqueue_job/runjob",
            f"https://127.0.0.1:{own_port}/events",
        ):
            with self.subTest(url=url):
                result, error = self.call_kw("g2p.api.subscription", "create", [self._vals(url)])
                self.assertEqual(error, "odoo.exceptions.ValidationError")
                result, error = self.call_kw(
                    "g2p.api.subscription", "write", [[self.subscription.id], {"target_url": url}]
                )
                self.assertEqual(error, "odoo.exceptions.ValidationError")
        self.assertEqual(self._subscriptions(), before, "nothing changed")
        self.assertFalse(self.receiver.requests)
        result, error = self.call_kw(
            "g2p.api.subscription", "create", [self._vals(f"https://{self.receiver.host_port}/partner/events")]
        )
        self.assertIsNone(error, "the listed host itself stays open to partner paths")

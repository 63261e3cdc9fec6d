"""Where the registry may send outbound calls (events, DCI callbacks): partner hosts on public
addresses only. Loopback, link-local (cloud metadata), private, reserved and multicast addresses,
and the registry's own host, are refused unless a system administrator allow-lists them in the
system parameter ``g2p_partner_api.outbound_allowed_hosts`` (host names, IP addresses or networks,
separated by commas, spaces or new lines).

Checked when a URL is saved, and again at each send on the addresses the host resolves to and on
the address the socket actually connected to (so DNS answering differently the second time gains
nothing). Proxies from the environment are not used; redirects are never followed.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from odoo import _
from odoo.exceptions import ValidationError

ALLOWED_HOSTS_PARAM = "g2p_partner_api.outbound_allowed_hosts"
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class DestinationRefused(Exception):
    """The URL leads to an address outbound calls may not reach."""


def _address(text):
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def _numeric_address(host):
    """The address of a host written as a number in any form the resolver accepts (127.1, 2130706433, 0x7f.1, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return _address(infos[0][4][0])


@dataclass(frozen=True)
class DestinationPolicy:
    allowed_hosts: frozenset
    allowed_networks: tuple
    own_hosts: frozenset

    def _host_allowed(self, host):
        return host in self.allowed_hosts

    def check_address(self, host, address):
        """Raise DestinationRefused unless ``host`` may be reached at ``address`` (an IP address string)."""
        if self._host_allowed(host):
            return
        ip = _address(address)
        if ip is None:
            raise DestinationRefused(f"{host}: unusable address {address}")
        if any(ip in network for network in self.allowed_networks):
            return
        if not ip.is_global or ip.is_multicast:
            raise DestinationRefused(
                f"{host} leads to a non-public address ({ip}); a system administrator can allow-list it"
            )

    def check_url(self, url, resolve=True):
        """Raise DestinationRefused unless ``url`` is an http(s) URL to a host outbound calls may reach.

        ``resolve``: also look the host name up (a name that does not resolve passes: it is checked
        again when sending).
        """
        parsed = urlparse(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise DestinationRefused(f"{url} is not an http(s) URL")
        self.check_host(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80), resolve)

    def check_host(self, host, port, resolve=True):
        host = host.strip("[]").rstrip(".").lower()
        if self._host_allowed(host):
            return
        numeric = _numeric_address(host)
        if numeric is not None and any(numeric in network for network in self.allowed_networks):
            return
        if host in self.own_hosts or host in LOCAL_NAMES or host.endswith(".localhost"):
            raise DestinationRefused(
                f"{host} is this registry or this machine; a system administrator can allow-list it"
            )
        if numeric is not None:
            self.check_address(host, str(numeric))
            return
        if not resolve:
            return
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return
        for info in infos:
            self.check_address(host, info[4][0])


def policy(env):
    """The destination policy in force: the administrators' allow-list and this registry's own host."""
    params = env["ir.config_parameter"].sudo()
    hosts, networks = set(), []
    for entry in re.split(r"[\s,]+", params.get_param(ALLOWED_HOSTS_PARAM) or ""):
        entry = entry.strip().rstrip(".").lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry)
    own = urlparse(params.get_param("web.base.url") or "").hostname
    return DestinationPolicy(frozenset(hosts), tuple(networks), frozenset({own.lower()} if own else ()))


def validate(env, url):
    """Save-time check of a URL outbound calls will go to: a ValidationError for the form."""
    try:
        policy(env).check_url(url)
    except DestinationRefused as exc:
        raise ValidationError(_("Destination refused: %s", exc)) from exc


# --- the HTTP side: connections that check where they connect --------------------------------
class _CheckedConnectionMixin:
    destination_policy = None

    def _new_conn(self):
        # before connecting: the host and every address it resolves to; after: the address reached
        self.destination_policy.check_host(self.host, self.port)
        sock = super()._new_conn()
        try:
            self.destination_policy.check_address(self.host.strip("[]").rstrip(".").lower(), sock.getpeername()[0])
        except DestinationRefused:
            sock.close()
            raise
        return sock


class CheckedAdapter(HTTPAdapter):
    """requests adapter whose every connection is checked against a DestinationPolicy."""

    def __init__(self, destination_policy):
        self.destination_policy = destination_policy
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        attrs = {"destination_policy": self.destination_policy}
        http = type("CheckedHTTPConnection", (_CheckedConnectionMixin, HTTPConnection), attrs)
        https = type("CheckedHTTPSConnection", (_CheckedConnectionMixin, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("CheckedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("CheckedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }
        return result

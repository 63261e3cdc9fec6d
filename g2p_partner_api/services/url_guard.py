"""Where the registry may send outbound calls (events, DCI callbacks): partner hosts on public
addresses only. Loopback, link-local (cloud metadata), private, reserved and multicast addresses,
and the registry's own host, are refused unless a system administrator allow-lists them in the
system parameter ``g2p_partner_api.outbound_allowed_hosts``: entries separated by commas, spaces or
new lines, each ``HOST:PORT`` (a host name, an IPv4 address or network, an IPv6 address or network in
brackets: ``intranet.partner.test:8443``, ``10.20.0.0/16:8080``, ``[fd00::/8]:443``); an entry without a
port opens the default ports 80 and 443 only.

Whatever the allow-list says, two things are never reachable: the registry's own ports on a
non-public address or on its own host (Odoo's HTTP and gevent ports, the port of ``web.base.url``
when it is not 80/443), and the registry's own routes on any host (a first path segment of
``/queue_job``, ``/web``, ``/odoo``, ``/jsonrpc``, ``/xmlrpc``, ``/websocket``, ``/longpolling``).

Checked when a URL is saved, and again at each send on the addresses the host resolves to and on
the address the socket actually connected to (so DNS answering differently the second time gains
nothing). Proxies from the environment are not used; redirects are never followed.
"""

import contextlib
import ipaddress
import logging
import posixpath
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from odoo.exceptions import ValidationError
from odoo.tools import config

_logger = logging.getLogger(__name__)

ALLOWED_HOSTS_PARAM = "g2p_partner_api.outbound_allowed_hosts"
LOCAL_NAMES = ("localhost", "localhost.localdomain")
DEFAULT_PORTS = (80, 443)
# first path segments of the registry's own routes (Odoo, queue_job's runner): never an outbound destination
REGISTRY_ROUTES = frozenset({"queue_job", "web", "odoo", "jsonrpc", "xmlrpc", "websocket", "longpolling"})
_ENTRY = re.compile(r"^(?:\[(?P<bracketed>[^\]]+)\]|(?P<plain>[^:\[\]]+))(?::(?P<port>\d{1,5}))?$")


class DestinationRefused(Exception):
    """The URL leads to an address outbound calls may not reach."""


# IPv6 forms that reach an IPv4 address written in their last 32 bits: IPv4-compatible (deprecated, ::a.b.c.d) and
# the NAT64 well-known prefix (RFC 6052); Python takes them for global whatever the IPv4 address inside
_IPV4_IN_LAST_32_BITS = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))
# NAT64 prefix of a local network (RFC 8215): translators inside it, any embedding: never a public destination
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def _address(text):
    """The address ``text`` reaches, as it is checked: an IPv6 address that carries an IPv4 one (mapped,
    compatible, 6to4, NAT64) is that IPv4 address."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 4:
        return address
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if any(address in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _public(ip):
    return ip.is_global and not ip.is_multicast and ip not in _LOCAL_NAT64


def _numeric_address(host):
    """The address of a host written as a number in any form the resolver accepts (127.1, 2130706433, 0x7f.1, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return _address(infos[0][4][0])


def _route_segment(path):
    """The first segment of ``path`` as a server would route it: decoded (repeatedly), dot segments and
    repeated slashes resolved, case folded."""
    for _round in range(5):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = posixpath.normpath("/" + path.replace("\\", "/"))
    return path.lstrip("/").split("/", 1)[0].split(";", 1)[0].lower()


@dataclass(frozen=True)
class DestinationPolicy:
    allowed_hosts: frozenset  # (host, port)
    allowed_networks: tuple  # (network, port)
    own_hosts: frozenset
    own_ports: frozenset = frozenset()

    def _listed(self, host, port, ip=None):
        """Whether the allow-list opens ``host`` (or its address ``ip``) on ``port``; never a port of the registry."""
        if port in self.own_ports:
            return False
        if (host, port) in self.allowed_hosts:
            return True
        return ip is not None and any(
            ip in network and port == open_port for network, open_port in self.allowed_networks
        )

    def _refused_locally(self, host, port, what):
        if port in self.own_ports:
            return DestinationRefused(f"{host}:{port} is a port of this registry: never reachable, allow-listed or not")
        return DestinationRefused(f"{host} {what}; a system administrator can allow-list it (host:port)")

    def check_address(self, host, address, port):
        """Raise DestinationRefused unless ``host`` may be reached at ``address`` (an IP address string) on ``port``."""
        ip = _address(address)
        if self._listed(host, port, ip):
            return
        if ip is None:
            raise DestinationRefused(f"{host}: unusable address {address}")
        if not _public(ip):
            raise self._refused_locally(host, port, f"leads to a non-public address ({ip})")

    def check_url(self, url, resolve=True):
        """Raise DestinationRefused unless ``url`` is an http(s) URL to a host outbound calls may reach.

        ``resolve``: also look the host name up (a name that does not resolve passes: it is checked
        again when sending).
        """
        parsed = urlparse(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise DestinationRefused(f"{url} is not an http(s) URL")
        try:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
        except ValueError as exc:
            raise DestinationRefused(f"{url}: {exc}") from exc
        segment = _route_segment(parsed.path)
        if segment in REGISTRY_ROUTES:
            raise DestinationRefused(f"{url} is under /{segment}, a route of the registry itself: never reachable")
        self.check_host(parsed.hostname, port, resolve)

    def check_host(self, host, port, resolve=True):
        host = host.strip("[]").rstrip(".").lower()
        numeric = _numeric_address(host)
        if self._listed(host, port, numeric):
            return
        if host in self.own_hosts or host in LOCAL_NAMES or host.endswith(".localhost"):
            raise self._refused_locally(host, port, "is this registry or this machine")
        if numeric is not None:
            self.check_address(host, str(numeric), port)
            return
        if not resolve:
            return
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return
        for info in infos:
            self.check_address(host, info[4][0], port)


def _own_ports(params):
    """The ports this registry serves on: Odoo's HTTP and gevent ports and, when not a default one, that of
    web.base.url (a reverse proxy in front of it)."""
    ports = {int(config[key]) for key in ("http_port", "gevent_port") if config.get(key)}
    try:
        base_port = urlparse(params.get_param("web.base.url") or "").port
    except ValueError:
        base_port = None
    if base_port and base_port not in DEFAULT_PORTS:
        ports.add(base_port)
    return frozenset(ports)


def allowed_entry(entry):
    """(host name or ``ipaddress`` network, ports) an allow-list entry opens; None when it cannot be read."""
    entry = entry.strip().lower()
    match = _ENTRY.match(entry)
    if not match and entry.count(":") > 1:
        match = _ENTRY.match(f"[{entry}]")  # an IPv6 address or network without brackets: default ports
    port = int(match["port"]) if match and match["port"] else None
    if not match or (port is not None and not 0 < port < 65536):
        return None
    host = (match["bracketed"] or match["plain"]).rstrip(".")
    ports = (port,) if port else DEFAULT_PORTS
    try:
        return ipaddress.ip_network(host, strict=False), ports
    except ValueError:
        return host, ports


def policy(env):
    """The destination policy in force: the administrators' allow-list, this registry's own host and ports."""
    params = env["ir.config_parameter"].sudo()
    hosts, networks = set(), []
    for entry in re.split(r"[\s,]+", params.get_param(ALLOWED_HOSTS_PARAM) or ""):
        if not entry.strip():
            continue
        allowed = allowed_entry(entry)
        if allowed is None:
            # refused when set (system_parameters); one stored before that opens nothing (fail closed)
            _logger.warning("%s: entry %r ignored (expected host:port)", ALLOWED_HOSTS_PARAM, entry)
            continue
        host, ports = allowed
        if isinstance(host, str):
            hosts.update((host, p) for p in ports)
        else:
            networks.extend((host, p) for p in ports)
    own = urlparse(params.get_param("web.base.url") or "").hostname
    return DestinationPolicy(
        frozenset(hosts), tuple(networks), frozenset({own.lower()} if own else ()), _own_ports(params)
    )


def validate(env, url):
    """Save-time check of a URL outbound calls will go to: a ValidationError for the form."""
    try:
        policy(env).check_url(url)
    except DestinationRefused as exc:
        raise ValidationError(env._("Destination refused: %s", exc)) from exc


# --- the HTTP side: connections that check where they connect --------------------------------
class _CheckedConnectionMixin:
    destination_policy = None
    adapter = None

    def _new_conn(self):
        # before connecting: the host and every address it resolves to; after: the address reached
        port = self.port or self.default_port
        self.destination_policy.check_host(self.host, port)
        sock = super()._new_conn()
        try:
            self.destination_policy.check_address(
                self.host.strip("[]").rstrip(".").lower(), sock.getpeername()[0], port
            )
        except DestinationRefused:
            sock.close()
            raise
        self.adapter.connections.append(self)
        return sock


class CheckedAdapter(HTTPAdapter):
    """requests adapter whose every connection is checked against a DestinationPolicy."""

    def __init__(self, destination_policy):
        self.destination_policy = destination_policy
        self.connections = []  # opened through this adapter: what ``abort`` cuts
        self.aborted = False
        super().__init__(max_retries=0)

    def abort(self):
        """Cut every connection this adapter opened (from another thread: a call past its deadline), so that a
        read blocked on a server that answers a byte at a time ends at once."""
        self.aborted = True
        for connection in self.connections:
            sock = connection.sock  # the TLS socket once wrapped; None once closed
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        attrs = {"destination_policy": self.destination_policy, "adapter": self}
        http = type("CheckedHTTPConnection", (_CheckedConnectionMixin, HTTPConnection), attrs)
        https = type("CheckedHTTPSConnection", (_CheckedConnectionMixin, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("CheckedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("CheckedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }
        return result

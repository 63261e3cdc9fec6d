"""One ASGI middleware for every app of the suite: transaction safety, error shape, audit.

OCA ``fastapi`` lets exceptions bubble up to Odoo so the request's transaction is rolled
back. Each app needs its own error *shape* (REST problem details, G2P ingest envelope, DCI
envelope), so this middleware runs the app inside a savepoint: on any exception the
savepoint is rolled back (nothing half-written survives), the app's renderer turns the
exception into the protocol's body, and the audit row is written after either outcome.
Serialization failures are re-raised so Odoo's own retry of the whole request still works.
A call served by a read replica (services/read_routing.py) writes its audit row on the primary.
"""

import logging
import time

import psycopg2.errorcodes
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from odoo.addons.fastapi.context import odoo_env_ctx

from .api_errors import rate_limit_headers
from .call_cache import call_cache
from .call_context import STATE_KEY, CallContext
from .json_body import parse_json_body
from .read_routing import WRITE_METHODS, app_path, bearer_subject, is_read_call, primary_cursor
from .request_limits import BodyTooLarge, max_json_depth, source_address

_logger = logging.getLogger(__name__)

UNAUDITED_SUFFIXES = (
    "/ping",
    "/health",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/docs/oauth2-redirect",
    "/.well-known/jwks.json",
)
RETRYABLE_PGCODES = {
    psycopg2.errorcodes.SERIALIZATION_FAILURE,
    psycopg2.errorcodes.DEADLOCK_DETECTED,
    psycopg2.errorcodes.LOCK_NOT_AVAILABLE,
}


async def read_bounded_body(scope, receive, max_bytes, max_depth):
    """The whole request body, refused while it is read once past ``max_bytes`` (declared length
    and chunked bodies alike); a JSON body is then parsed for the route, refused when nested deeper
    than ``max_depth`` or when an object repeats a member (``json_body.parse_json_body``)."""
    headers = Headers(scope=scope)
    declared = headers.get("content-length") or ""
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(max_bytes)
    chunks, received, more_body = [], 0, True
    while more_body:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > max_bytes:
            raise BodyTooLarge(max_bytes)
        chunks.append(chunk)
        more_body = message.get("more_body", False)
    body = b"".join(chunks)
    parse_json_body(scope, headers, body, max_depth)
    return body


def allowed_methods(scope):
    """Every method some route of the app answers at the request's path (Starlette names only the first
    route that matched the path, and each method of a resource is a route of its own)."""
    methods = set()
    for route in iter_route_contexts(getattr(scope.get("app"), "routes", ())):
        match, _child = route.matches(dict(scope, method="GET"))
        if match != Match.NONE and route.methods:
            methods |= route.methods
    return ", ".join(sorted(methods))


def replaying_receive(body, receive):
    """``receive`` for the app: the body already read, then whatever the server sends next (disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again():
        return pending.pop() if pending else await receive()

    return receive_again


class G2PApiMiddleware:
    def __init__(
        self,
        app,
        source,
        render_error,
        max_body_bytes=None,
        readonly_posts=(),
        company_id=None,
        endpoint_id=None,
        audit=True,
        audit_anonymous_failures=True,
        context_class=CallContext,
    ):
        """``render_error(exc, state) -> (status, body, headers, outcome_code)`` shapes errors for one protocol;
        ``max_body_bytes(env, path) -> int`` (optional) bounds request bodies while they are read, before the
        app parses anything (JSON bodies are also bounded in depth, g2p_partner_api.max_json_depth);
        ``readonly_posts``: paths in the app of its POSTs that only read (not a write of the caller's);
        ``company_id``: the endpoint's company, the one company every call works in; ``endpoint_id``: the
        endpoint, told to each call (``CallContext.endpoint_id``);
        ``audit`` / ``audit_anonymous_failures``: the endpoint's audit switches
        (the app is rebuilt when they change); ``context_class``: the ``CallContext`` of the app's calls."""
        self.app = app
        self.source = source
        self.render_error = render_error
        self.max_body_bytes = max_body_bytes
        self.readonly_posts = frozenset(readonly_posts)
        self.company_id = company_id
        self.endpoint_id = endpoint_id
        self.audit = audit
        self.audit_anonymous_failures = audit_anonymous_failures
        self.context_class = context_class

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        env = odoo_env_ctx.get()
        if self.company_id:
            env = env(context=dict(env.context, allowed_company_ids=[self.company_id]))
            # what the multi-company rule on partners reads of the company, from the worker's snapshot
            env["g2p.reference.data"]._put_company_paths([self.company_id])
        env_token = odoo_env_ctx.set(env)
        try:
            await self._call(env, scope, receive, send)
        finally:
            odoo_env_ctx.reset(env_token)

    async def _call(self, env, scope, receive, send):
        call = self.context_class(path=scope["path"], endpoint_id=self.endpoint_id)
        scope.setdefault("state", {})[STATE_KEY] = call
        started = time.perf_counter()
        status_holder = {}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                decision = call.rate_limit
                if decision and message["status"] != 429:
                    message["headers"] = list(message.get("headers", [])) + [
                        (name.lower().encode(), value.encode()) for name, value in rate_limit_headers(decision).items()
                    ]
            await send(message)

        app_receive = receive
        # the call's cache lasts until its audit row is written: the disclosures recorded with it use
        # the consent rule the call built
        with call_cache():
            try:
                if self.max_body_bytes:
                    body = await read_bounded_body(
                        scope, receive, self.max_body_bytes(env, scope["path"]), max_json_depth(env)
                    )
                    app_receive = replaying_receive(body, receive)
                # a call served read-only (by a replica) writes nothing on its cursor, so has nothing to
                # roll back; its bookkeeping ends the read-only transaction under tests (read_routing)
                savepoint = None if env.cr.readonly else env.cr.savepoint()
                try:
                    await self.app(scope, app_receive, send_wrapper)
                    self._remember_write(env, scope, call, status_holder.get("status", 500))
                    # Not released: the commit ends it with the transaction (a RELEASE would be a round trip of
                    # its own). What closing it did besides: the call's pending ORM writes are written now.
                    env.cr.flush()
                except BaseException:
                    if savepoint:
                        savepoint.rollback()
                    raise
            except psycopg2.OperationalError as exc:
                if getattr(exc, "pgcode", None) in RETRYABLE_PGCODES:
                    raise
                await self._send_error(exc, call, scope, receive, send_wrapper)
            except Exception as exc:  # noqa: BLE001 - every error becomes the protocol's envelope
                await self._send_error(exc, call, scope, receive, send_wrapper)
            finally:
                if self.audit and not scope["path"].endswith(UNAUDITED_SUFFIXES):
                    self._audit(env, scope, call, status_holder.get("status", 500), started)

    async def _send_error(self, exc, call, scope, receive, send):
        env = odoo_env_ctx.get()
        env.invalidate_all()
        # the call's writes were rolled back: so are the events they queued
        env.cr.precommit.data.pop("g2p_pending_events", None)
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            exc.headers = dict(exc.headers or {}, Allow=allowed_methods(scope))
        status, body, headers = self.render_error(exc, call)
        if status >= 500 and not call.error_code:
            call.error_code = "500"
        call.outcome = call.outcome or "failure"
        response = JSONResponse(body, status_code=status, headers=headers or None)
        await response(scope, receive, send)

    def _remember_write(self, env, scope, call, status):
        """A write call of a token's client is remembered with the write (same transaction), so that
        the client's next reads are served by the primary (services/read_routing.py)."""
        if (
            status < 400
            and call.client_id
            and scope["method"] in WRITE_METHODS
            and not is_read_call(scope["method"], app_path(scope["path"], scope.get("root_path")), self.readonly_posts)
            and bearer_subject(Headers(scope=scope).get("authorization"))
        ):
            env["g2p.api.recent.write"].sudo()._mark(call.client_id)

    def _audit(self, env, scope, call, status, started):
        route = scope.get("route")
        outcome = call.outcome or ("success" if status < 400 else "failure")
        # anonymous: no client was authenticated (an ingest sender counts once its signature is verified)
        if not call.client_id and (outcome == "success" or not self.audit_anonymous_failures):
            return
        values = {
            "source": self.source,
            "client_id": call.client_id,
            # the endpoint's, never anything the caller sent: only that company's staff read the row
            "company_id": self.company_id or env.company.id,
            "actor": call.actor,
            "action": call.action or f"{scope.get('method')} {getattr(route, 'path', scope['path'])}",
            "resource": scope["path"],
            "outcome": outcome,
            "status_code": status,
            "error_code": call.error_code,
            "correlation_id": call.correlation_id,
            "reference_ids": ",".join(call.reference_ids) or None,
            "legal_basis": call.legal_basis,
            "latency_ms": (time.perf_counter() - started) * 1000,
        }
        # No savepoint of its own: one statement (the audit row and its disclosure rows) cannot
        # half-write. Should the database refuse it, the transaction fails as a whole and nothing
        # of the call is committed.
        try:
            # a call served by a read replica writes its audit row on the primary, in a transaction of its own
            with primary_cursor(env) as cr:
                AuditLog = env(cr=cr)["g2p.api.audit.log"].sudo()
                if values["client_id"]:
                    # the registrants the answer carried are recorded by the audit row's own statement
                    disclosures = call.disclosures if status < 400 else {}
                    AuditLog._record(values, disclosures=disclosures)
                else:
                    AuditLog._record_anonymous_failure(values, source_address(scope))
        except Exception:  # noqa: BLE001 - auditing must never break the answer already sent
            _logger.exception("Could not write the audit row for %s", scope["path"])

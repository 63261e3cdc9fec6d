"""Request concerns of the REST app, one small dependency each (OCA fastapi style).

They are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a hop (and a
GIL hand-over) per dependency and call. Each call has an event loop of its own (OCA ``fastapi``
pools them), so the little blocking work they do (cached token, rate-limit counter) holds up
no other call.
"""

from typing import Annotated

import jwt
from fastapi import Depends, Header, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, OAuth2

from odoo.api import Environment

from odoo.addons.fastapi.context import odoo_env_ctx

from .models.g2p_source_mixin import Provenance
from .schemas.base import optional_body
from .schemas.parameters import ReasonHeader
from .schemas.registrant_parts import ArchiveRequest
from .services import registry_service
from .services.api_errors import TOKEN_ROUTE, ApiError, RateLimited, unauthorized
from .services.call_context import call_context
from .services.openapi_document import SECURITY_SCHEME
from .services.paging import DEFAULT_SORT, PAGE_PARAM, PageRequest, Position, bad_query, parse_sort
from .services.problem_details import header_error


class ClientCredentialsBearer(OAuth2):
    """The bearer access token of the OAuth 2.0 client-credentials grant, as the OpenAPI security
    scheme of every protected route (its token URL and scopes are completed when the app's
    OpenAPI is built: ``services/openapi_document.py``). Answers the credentials, or None."""

    def __init__(self):
        super().__init__(
            flows={"clientCredentials": {"tokenUrl": f"/api/v2{TOKEN_ROUTE}", "scopes": {}}},
            scheme_name=SECURITY_SCHEME,
            description="Bearer access token from the registry's token route (client credentials grant)",
            auto_error=False,
        )

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        scheme, _sep, token = (request.headers.get("Authorization") or "").partition(" ")
        if not scheme or not token.strip():
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())


bearer_scheme = ClientCredentialsBearer()


async def odoo_env() -> Environment:
    """The call's Odoo env, as OCA ``fastapi.dependencies.odoo_env`` gives it (the middleware has set the
    endpoint's company), without its two worker-thread hops (its ``company_id`` dependency and itself)."""
    return odoo_env_ctx.get()


async def accept_language(
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language",
            description="The Accept-Language header is used to specify the language "
            "of the content to be returned. If a language is not available, the "
            "server will return the content in the default language.",
        ),
    ] = None,
) -> str:
    """OCA ``fastapi.dependencies.accept_language``, the app-level dependency that documents the header (Odoo
    reads it before the app runs), as a coroutine: the plain ``def`` cost every call a worker thread."""
    return accept_language


async def authenticated_client(
    request: Request,
    env: Annotated[Environment, Depends(odoo_env)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
):
    """The active ``g2p.api.client`` behind the bearer token; 401 otherwise.

    A token is verified once per worker and cached with its client and scopes; any change
    of a client, a scope or a signing key clears that cache, so a deactivated client or a
    removed scope takes effect at once, whatever tokens are still unexpired.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized(error="invalid_request")
    try:
        grant = env["g2p.api.client"]._grant_of_token(credentials.credentials)
    except jwt.PyJWTError as exc:
        raise unauthorized(f"Invalid token: {exc}.") from exc
    if not grant:
        raise unauthorized("The client of this token is no longer active.")
    call = call_context(request)
    call.client_id, call.actor, call.scopes = grant.client_db_id, grant.client_id, grant.scopes
    enforce_rate_limit(env, grant.client_db_id, grant.rate_limit, call)
    return env["g2p.api.client"]._call_client(grant.client_db_id)


def enforce_rate_limit(env, client_id, limit, call):
    """Count the call against the client's per-minute ``limit`` (shared by every worker and
    node); raises ``RateLimited`` over the limit. The decision is kept on the ``CallContext``
    so the middleware adds the RateLimit headers to the answer."""
    decision = env["g2p.api.rate.window"]._consume(client_id, limit)
    if decision.limit:
        call.rate_limit = decision
    if not decision.allowed:
        raise RateLimited(decision)
    return decision


def require_scope(scope):
    """Dependency factory: the authenticated client, refused with 403 unless its token carries ``scope``."""

    # the scheme again, with the scope: what the OpenAPI lists as this operation's requirement
    # (the scheme only reads the header; the client itself is authenticated once, unscoped)
    async def dependency(
        request: Request,
        client=Depends(authenticated_client),
        _required=Security(bearer_scheme, scopes=[scope]),
    ):
        if scope not in call_context(request).scopes:
            raise ApiError(
                403,
                "insufficient_scope",
                f"This call needs the scope {scope}.",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
            )
        return client

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


def require_read_scope(scope):
    """Like ``require_scope``, for reads of personal data: records the client's legal basis
    (when it reads under one instead of consent) on the audit row of the call."""
    base = require_scope(scope)

    async def dependency(request: Request, client=Depends(base)):
        basis = client._legal_basis_for_read()
        if basis:
            call_context(request).legal_basis = basis
        return client

    dependency.__name__ = f"require_read_{scope.replace(':', '_')}"
    return dependency


async def if_match(
    client=Depends(authenticated_client),
    if_match: Annotated[
        str | None,
        Header(
            max_length=1024,
            description="ETag of the caller's last read of the resource: the write is refused (412) if "
            "the resource changed since. Required (428 without) for clients configured to require it.",
        ),
    ] = None,
) -> str | None:
    """The ``If-Match`` header of a write; 428 when the client must send one and did not."""
    if if_match is None and client.require_if_match:
        raise ApiError(
            428,
            "precondition_required",
            "This client must send If-Match with the ETag of its last read of the resource.",
            errors=[header_error("If-Match", "required", "required for this client")],
        )
    return if_match


IfMatch = Annotated[str | None, Depends(if_match)]


async def archive_reason(body: optional_body(ArchiveRequest) = None, x_reason: ReasonHeader = None) -> str:
    """Why a registrant is archived: the body's reason or the X-Reason header; 422 without."""
    return registry_service.archive_reason(body, header_text(x_reason))


def header_text(value):
    """A header value as the client wrote it: HTTP carries header values as Latin-1, so a UTF-8 value
    arrives re-encoded (one that is not UTF-8 is taken as it came)."""
    if not value:
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


ArchiveReason = Annotated[str, Depends(archive_reason)]


async def api_env(
    env: Annotated[Environment, Depends(odoo_env)],
    client=Depends(authenticated_client),
    x_source_system: Annotated[str | None, Header(max_length=128)] = None,
) -> Environment:
    """The Odoo env every API write runs in: provenance (client, source system) in its context."""
    return env(
        context=dict(
            env.context,
            g2p_api_client_id=client.id,
            g2p_provenance=Provenance(client.id, x_source_system or client.default_source_system),
        )
    )


def paging(resource, orders):
    """Dependency factory: the page of a search of ``resource`` the caller asks for, sorted by one of
    ``orders`` (``services.paging.sort_orders``); its links go in the body and the ``Link`` header."""
    sort_doc = (
        f"Sort order: {', '.join(orders)} (a leading - sorts descending). Default {DEFAULT_SORT}: "
        "registration order, oldest first. Every order ends with registration order, so it is total."
    )

    async def dependency(
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(odoo_env)],
        page: Annotated[
            int,
            Query(alias="_page", ge=1, le=100000, description="Page number, from 1 (an offset: prefer the links)"),
        ] = 1,
        count: Annotated[int, Query(alias="_count", ge=1, le=200, description="Items per page (max 200)")] = 20,
        sort: Annotated[str | None, Query(alias="_sort", max_length=64, description=sort_doc)] = None,
        cursor: Annotated[
            str | None,
            Query(
                alias="_cursor",
                max_length=1024,
                description="Where the page starts, as the next and prev links of the page before give it "
                "(opaque: send it back unchanged)",
            ),
        ] = None,
    ) -> PageRequest:
        order = parse_sort(orders, sort)
        position = None
        if cursor is not None:
            if PAGE_PARAM in request.query_params:
                raise bad_query(PAGE_PARAM, "_page: send either _page or _cursor, not both.")
            position = Position.decode(env, resource, cursor)
            position.check_sort(order)
        return PageRequest(env, resource, order, page, count, position, request, response)

    dependency.__name__ = f"paging_{resource.lower()}"
    return dependency


Paging = PageRequest

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Header, Request, Response

from odoo.api import Environment
from odoo.exceptions import AccessDenied

from ..dependencies import odoo_env
from ..models.g2p_api_client import JWT_BEARER_ASSERTION
from ..schemas.oauth import Jwks, OAuthErrorResponse, TokenResponse
from ..services.api_errors import TOKEN_ROUTE, AuthenticationThrottled, OAuthError
from ..services.call_context import call_context
from ..services.request_limits import source_address

router = APIRouter(tags=["oauth"])


def _client_refused(used_basic):
    """RFC 6749 §5.2 invalid_client, the same whatever check failed."""
    return OAuthError(
        "invalid_client",
        "Client authentication failed.",
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="g2p"'} if used_basic else {},
    )


def _basic_credentials(authorization):
    if not authorization or not authorization.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        client_id, _sep, secret = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request", "Malformed HTTP Basic credentials.") from exc
    # RFC 6749 §2.3.1: client credentials are form-urlencoded before Basic encoding
    return unquote(client_id), unquote(secret)


@router.post(
    TOKEN_ROUTE,
    response_model=TokenResponse,
    summary="OAuth 2.0 client credentials grant (RFC 6749 §4.4)",
    responses={
        status: {"model": OAuthErrorResponse, "description": description}
        for status, description in (
            (400, "invalid_request, unsupported_grant_type, invalid_scope"),
            (401, "invalid_client"),
            (413, "invalid_request: the body is over g2p_partner_api.oauth_max_body_bytes"),
            (
                429,
                "temporarily_unavailable: too many failed authentications from this address "
                "(for this client id); Retry-After says when to try again",
            ),
        )
    },
)
def issue_token(
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(odoo_env)],
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    client_assertion_type: Annotated[
        str | None,
        Form(
            description="Client authentication with a signed JWT (RFC 7523 §2.2, private_key_jwt): "
            f"{JWT_BEARER_ASSERTION}"
        ),
    ] = None,
    client_assertion: Annotated[
        str | None,
        Form(
            description="A JWT the client signed with its registered key (kid in the header): iss and sub its "
            "client_id, aud the URL of this endpoint (or the registry's issuer), exp at most 5 minutes ahead, a jti "
            "never used before. With it, no client_secret nor HTTP Basic credentials; client_id optional."
        ),
    ] = None,
    scope: Annotated[str | None, Form()] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenResponse:
    basic_id, basic_secret = _basic_credentials(authorization)
    if basic_id is not None and client_id is not None and client_id != basic_id:
        raise OAuthError("invalid_request", "Client credentials given twice.")
    used_basic = basic_id is not None
    client_id = basic_id if used_basic else client_id
    client_secret = basic_secret if used_basic else client_secret
    by_assertion = client_assertion is not None or client_assertion_type is not None
    call_context(request).actor = client_id
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required (form-encoded body).")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")
    if by_assertion:
        # RFC 6749 §2.3: one authentication method per request
        if used_basic or client_secret is not None:
            raise OAuthError("invalid_request", "Authenticate with a secret or with an assertion, not both.")
        if client_assertion_type != JWT_BEARER_ASSERTION or not client_assertion:
            raise OAuthError(
                "invalid_request", f"client_assertion and client_assertion_type={JWT_BEARER_ASSERTION} go together."
            )
    elif not client_id or not client_secret:
        raise _client_refused(used_basic)
    Client = env["g2p.api.client"]
    try:
        if by_assertion:
            audiences = Client._assertion_audiences(request.scope.get("root_path", "") + TOKEN_ROUTE)
            client = Client._authenticate_assertion(
                client_assertion, audiences, client_id, source_address(request.scope)
            )
            call_context(request).actor = client.client_id
        else:
            client = Client._authenticate(client_id, client_secret, source_address(request.scope))
    except AuthenticationThrottled as exc:
        raise OAuthError(
            "temporarily_unavailable",
            f"Too many failed authentications; retry in {exc.retry_after} s.",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    except AccessDenied as exc:
        raise _client_refused(used_basic) from exc
    call_context(request).client_id = client.id
    scopes = client._grantable_scopes(scope)
    if scopes is None:
        raise OAuthError("invalid_scope", "The requested scope exceeds what this client is granted.")
    token = client._issue_token(scopes)
    # RFC 6749 §5.1: token responses must not be cached
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return TokenResponse(
        access_token=token, token_type="Bearer", expires_in=client.token_lifetime, scope=" ".join(sorted(scopes))
    )


@router.get(
    "/.well-known/jwks.json",
    response_model=Jwks,
    name="get_jwks",
    summary="Public keys that verify the registry's tokens and signatures "
    "(retiring keys included during their grace period)",
)
def jwks(env: Annotated[Environment, Depends(odoo_env)]) -> Jwks:
    return Jwks(**env["g2p.api.signing.key"].sudo()._jwks())

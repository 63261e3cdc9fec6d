import base64
import binascii
from contextlib import contextmanager
from typing import Annotated, NamedTuple
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Header, Request, Response

from odoo.api import Environment
from odoo.exceptions import AccessDenied

from ..dependencies import odoo_env
from ..models.g2p_api_client import JWT_BEARER_ASSERTION
from ..schemas.oauth import ClientSecretResponse, Jwks, OAuthErrorResponse, TokenResponse
from ..services.api_errors import (
    CLIENT_SECRET_ROUTE,
    TOKEN_ROUTE,
    AuthenticationThrottled,
    OAuthError,
    SecretShownToStaff,
)
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


class ClientCredentials(NamedTuple):
    """The client id and secret a request authenticates with: HTTP Basic (client_secret_basic), else the form
    (client_secret_post)."""

    client_id: str | None
    client_secret: str | None
    used_basic: bool


def _client_credentials(authorization, client_id, client_secret):
    """The ``ClientCredentials`` of a request, from its Authorization header and its form members."""
    basic_id, basic_secret = _basic_credentials(authorization)
    if basic_id is None:
        return ClientCredentials(client_id, client_secret, False)
    if client_id is not None and client_id != basic_id:
        raise OAuthError("invalid_request", "Client credentials given twice.")
    return ClientCredentials(basic_id, basic_secret, True)


@contextmanager
def _client_authentication(used_basic):
    """Refusals of the client authentication run inside, answered as RFC 6749 §5.2 errors: throttled (429),
    anything else the one ``invalid_client``."""
    try:
        yield
    except AuthenticationThrottled as exc:
        raise OAuthError(
            "temporarily_unavailable",
            f"Too many failed authentications; retry in {exc.retry_after} s.",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    except AccessDenied as exc:
        raise _client_refused(used_basic) from exc


def _client_by_secret(request, env, credentials, replacing_secret=False):
    """The active client authenticated by its current secret, or the refusal (the same whatever was wrong); a secret
    shown to registry staff authenticates only its own replacement (``replacing_secret``)."""
    if not credentials.client_id or not credentials.client_secret:
        raise _client_refused(credentials.used_basic)
    try:
        with _client_authentication(credentials.used_basic):
            return env["g2p.api.client"]._authenticate(
                credentials.client_id, credentials.client_secret, source_address(request.scope), replacing_secret
            )
    except SecretShownToStaff as exc:
        # the caller proved it holds the secret: it may learn what the secret is still good for
        replacing_path = request.scope.get("root_path", "") + CLIENT_SECRET_ROUTE
        raise OAuthError(
            "unauthorized_client",
            f"This secret was shown to registry staff: replace it with POST {replacing_path} first, then use the "
            "secret that call answers.",
        ) from exc


def _answered_not_stored(response):
    # RFC 6749 §5.1: an answer carrying a credential must not be cached
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _error_responses(*described):
    """The OpenAPI responses of RFC 6749 §5.2 errors, from (status, description) pairs."""
    return {status: {"model": OAuthErrorResponse, "description": description} for status, description in described}


# what refuses a client's authentication, on every OAuth route
CLIENT_AUTHENTICATION_ERRORS = (
    (413, "invalid_request: the body is over g2p_partner_api.oauth_max_body_bytes"),
    (
        429,
        "temporarily_unavailable: too many failed authentications from this address "
        "(for this client id); Retry-After says when to try again",
    ),
)


@router.post(
    TOKEN_ROUTE,
    response_model=TokenResponse,
    summary="OAuth 2.0 client credentials grant (RFC 6749 §4.4)",
    responses=_error_responses(
        (
            400,
            "invalid_request, unsupported_grant_type, invalid_scope; unauthorized_client: the right activation "
            "secret (its two halves, which two registry staff saw), which only replaces itself at POST "
            "/oauth/client_secret",
        ),
        (401, "invalid_client"),
        *CLIENT_AUTHENTICATION_ERRORS,
    ),
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
    credentials = _client_credentials(authorization, client_id, client_secret)
    by_assertion = client_assertion is not None or client_assertion_type is not None
    call_context(request).actor = credentials.client_id
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required (form-encoded body).")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")
    if by_assertion:
        # RFC 6749 §2.3: one authentication method per request
        if credentials.used_basic or credentials.client_secret is not None:
            raise OAuthError("invalid_request", "Authenticate with a secret or with an assertion, not both.")
        if client_assertion_type != JWT_BEARER_ASSERTION or not client_assertion:
            raise OAuthError(
                "invalid_request", f"client_assertion and client_assertion_type={JWT_BEARER_ASSERTION} go together."
            )
        Client = env["g2p.api.client"]
        audiences = Client._assertion_audiences(request.scope.get("root_path", "") + TOKEN_ROUTE)
        with _client_authentication(used_basic=False):
            client = Client._authenticate_assertion(
                client_assertion, audiences, credentials.client_id, source_address(request.scope)
            )
        call_context(request).actor = client.client_id
    else:
        client = _client_by_secret(request, env, credentials)
    call_context(request).client_id = client.id
    scopes = client._grantable_scopes(scope)
    if scopes is None:
        raise OAuthError("invalid_scope", "The requested scope exceeds what this client is granted.")
    token = client._issue_token(scopes)
    _answered_not_stored(response)
    return TokenResponse(
        access_token=token, token_type="Bearer", expires_in=client.token_lifetime, scope=" ".join(sorted(scopes))
    )


@router.post(
    CLIENT_SECRET_ROUTE,
    response_model=ClientSecretResponse,
    summary="Replace the client's own secret; the answer shows the new one, once",
    description="The client authenticates with its current secret exactly as at the token route (HTTP Basic, or "
    "client_id and client_secret in the form); an access token is not enough, and a client that authenticates "
    "with its own key (private key JWT) has no secret. The activation secret the registry's staff generated gets no "
    "token: two people each saw one half, and the partner sends both joined by a dot (`<first half>.<second half>`) "
    "as its current secret; this call is the partner's first, and the secret it answers is the one to use. The former "
    "secret stops working at once, and so does every access token issued so far.",
    responses=_error_responses(
        (400, "invalid_request: malformed HTTP Basic credentials, or another client_id in the form"),
        (
            401,
            "invalid_client: unknown client, wrong secret (one half of an activation secret, or a half of an "
            "earlier one, included), archived client, or a client without a secret (private key JWT)",
        ),
        *CLIENT_AUTHENTICATION_ERRORS,
    ),
)
def rotate_client_secret(
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(odoo_env)],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form(description="The current secret, unless sent with HTTP Basic")] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> ClientSecretResponse:
    credentials = _client_credentials(authorization, client_id, client_secret)
    call_context(request).actor = credentials.client_id
    client = _client_by_secret(request, env, credentials, replacing_secret=True)
    call_context(request).client_id = client.id
    new_secret = client._replace_secret_by_partner()
    _answered_not_stored(response)
    return ClientSecretResponse(client_id=client.client_id, client_secret=new_secret, client_secret_expires_at=0)


@router.get(
    "/.well-known/jwks.json",
    response_model=Jwks,
    name="get_jwks",
    summary="Public keys that verify the registry's tokens and signatures "
    "(retiring keys included during their grace period)",
)
def jwks(env: Annotated[Environment, Depends(odoo_env)]) -> Jwks:
    return Jwks(**env["g2p.api.signing.key"].sudo()._jwks())

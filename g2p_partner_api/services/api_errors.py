"""Errors the API answers, raised by routers, dependencies and services; ``error_handlers`` renders them
(RFC 9457 problem details on the REST app, RFC 6749 §5.2 errors on the OAuth routes)."""

from odoo.exceptions import ValidationError

from . import problem_details

TOKEN_ROUTE = "/oauth/token"
# where a client replaces its own secret, authenticated with the current one as at the token route
CLIENT_SECRET_ROUTE = "/oauth/client_secret"
# the routes of the authorization server: client authentication, RFC 6749 §5.2 errors, a short form body,
# query parameters they do not know ignored (RFC 6749 §3.2)
OAUTH_ROUTES = (TOKEN_ROUTE, CLIENT_SECRET_ROUTE)
# RFC 6749 §5.2 errors of the OAuth routes, RFC 6750 §3.1 errors of bearer tokens (WWW-Authenticate)
OAUTH_ERRORS = (
    "invalid_request",
    "invalid_client",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "temporarily_unavailable",
)
BEARER_ERRORS = ("invalid_request", "invalid_token", "insufficient_scope")


class ApiError(Exception):
    """An error the API answers as is: HTTP status, machine code, message (the problem's ``detail``),
    ``errors`` (entries made by ``problem_details.body_error`` and its siblings), headers."""

    def __init__(self, status, code, message, errors=None, headers=None, extra=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}  # extension members of the problem (e.g. "candidates" of a 409)


def invalid_field(field, message, code="invalid_value"):
    """A 422 ``validation_error`` naming the body member ``field``: what was sent there cannot be taken as it is."""
    return ApiError(
        422, "validation_error", f"{field}: {message}", errors=[problem_details.body_error(field, code, message)]
    )


def invalid_parameter(name, message, code="invalid_value"):
    """A 422 ``validation_error`` naming the query parameter ``name``."""
    return ApiError(
        422, "validation_error", f"{name}: {message}", errors=[problem_details.parameter_error(name, code, message)]
    )


class DuplicateError(ValidationError):
    """A unique business key (identifier, membership) already taken: answered 409."""


class OAuthError(Exception):
    """RFC 6749 §5.2 error of the OAuth routes: {"error", "error_description"}."""

    def __init__(self, error, description, status=400, headers=None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


class AuthenticationThrottled(Exception):
    """Too many failed authentications from this source (for this client id): refused before any hashing."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


class SecretShownToStaff(Exception):
    """The right client secret, but one a person of the registry saw (generated with the form's button): it only
    replaces itself (``POST /oauth/client_secret``), it authenticates nothing else."""


class RateLimited(ApiError):
    """The client spent its calls of the current window: 429 with when to come back.

    Each app renders it in its own error shape; the headers are the same everywhere."""

    def __init__(self, decision):
        super().__init__(
            429,
            "rate_limited",
            f"Rate limit of {decision.limit} calls per minute reached; retry in {decision.reset} s.",
            headers=dict(rate_limit_headers(decision), **{"Retry-After": str(decision.reset)}),
        )


def rate_limit_headers(decision):
    """IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) for a decision."""
    return {
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(decision.reset),
    }


def unauthorized(message="A valid bearer token is required.", error="invalid_token"):
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": f'Bearer error="{error}"'})

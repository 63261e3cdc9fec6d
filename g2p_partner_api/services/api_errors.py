"""Errors of the REST app, answered in one place as RFC 9457 problem details (see ``problem_details``).

The token route alone answers RFC 6749 §5.2 errors (``OAuthError``)."""

import logging

import psycopg2
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError

from . import problem_details
from .problem_details import HTTP_CODES, PROBLEM_CONTENT_TYPE

_logger = logging.getLogger(__name__)

TOKEN_ROUTE = "/oauth/token"
# RFC 6749 §5.2 errors of the token route, RFC 6750 §3.1 errors of bearer tokens (WWW-Authenticate)
OAUTH_ERRORS = (
    "invalid_request",
    "invalid_client",
    "unsupported_grant_type",
    "invalid_scope",
    "temporarily_unavailable",
)
BEARER_ERRORS = ("invalid_request", "invalid_token", "insufficient_scope")


class ApiError(Exception):
    """An error the API answers as is: HTTP status, machine code, message (the problem's ``detail``),
    ``errors`` (entries made by ``problem_details.body_error`` and its siblings), headers."""

    def __init__(self, status, code, message, errors=None, headers=None, extra=None, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        # ``details`` ([{"field", "message", "type"}]) is the shape before problem details: read as body errors
        self.errors = (errors or []) + [problem_details.legacy_error(detail) for detail in details or ()]
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


class RegistrantAccessRefused(Exception):
    """A read refused by the access hook (consent); the APIs answer 403 consent_required."""

    def __init__(self, registrant_uuid, scope, code="consent_required"):
        super().__init__(registrant_uuid, scope)
        self.registrant_uuid = registrant_uuid
        self.scope = scope
        self.code = code


class DuplicateError(ValidationError):
    """A unique business key (identifier, membership) already taken: answered 409."""


class OAuthError(Exception):
    """RFC 6749 §5.2 error of the token endpoint: {"error", "error_description"}."""

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


def _refused_input(exc):
    """(status, code, message) of a body or parameters FastAPI refused."""
    if all(error.get("type") == "json_invalid" for error in exc.errors()):
        return 400, "malformed_json", "The body is not well-formed JSON."
    count = len(exc.errors())
    return 422, "validation_error", f"The request is not valid: {count} problem{'s' if count > 1 else ''}, see errors."


def problem(exc, instance):
    """(status, problem details body, headers) for any exception raised while serving a REST call."""
    errors, extra, headers = [], {}, {}
    if isinstance(exc, ApiError):
        status, code, message, errors, headers, extra = (
            exc.status,
            exc.code,
            exc.message,
            exc.errors,
            exc.headers,
            exc.extra,
        )
    elif isinstance(exc, RequestValidationError):
        status, code, message = _refused_input(exc)
        errors = problem_details.validation_errors(exc.errors())
    elif isinstance(exc, HTTPException):
        status, headers = exc.status_code, exc.headers or {}
        code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        message = exc.detail if isinstance(exc.detail, str) else problem_details.title(code, status)
    elif isinstance(exc, RegistrantAccessRefused):
        status, code, message = 403, exc.code, "The registrant has not consented to this access."
    elif isinstance(exc, DuplicateError):
        status, code, message = 409, "duplicate", exc.args[0]
    elif isinstance(exc, ValidationError):
        status, code, message = 422, "validation_error", exc.args[0]
    elif isinstance(exc, (AccessDenied, AccessError)):
        status, code, message = 403, "forbidden", "Access denied."
    elif isinstance(exc, MissingError):
        status, code, message = 404, "not_found", "Not found."
    elif isinstance(exc, UserError):
        status, code, message = 409, "conflict", exc.args[0]
    elif isinstance(exc, ValueError) and "NUL (0x00)" in str(exc):
        # PostgreSQL text cannot hold NUL: client input, refused before anything is stored
        status, code, message = 422, "validation_error", "NUL characters are not allowed."
    elif isinstance(exc, psycopg2.errors.UniqueViolation):
        status, code, message = 409, "duplicate", "This record already exists."
    else:
        _logger.exception("Unexpected error while serving an API call")
        status, code, message = 500, "internal_error", "Internal error."
    body = problem_details.body(status, code, message, instance, errors, extra)
    return status, body, dict(headers, **{"Content-Type": PROBLEM_CONTENT_TYPE})


def oauth_error(exc):
    """(status, RFC 6749 §5.2 body, headers) of the token route."""
    body = {"error": exc.error, "error_description": exc.description}
    return exc.status, body, dict(exc.headers, **{"Cache-Control": "no-store", "Pragma": "no-cache"})


def render_rest_error(exc, state):
    """Renderer for ``G2PApiMiddleware`` on the REST app (RFC 6749 errors on the token route)."""
    if isinstance(exc, HTTPException) and state.get("request_path", "").endswith(TOKEN_ROUTE):
        # body refused before the token route ran (size, depth): answered as the route answers
        exc = OAuthError("invalid_request", exc.detail, status=exc.status_code)
    if isinstance(exc, OAuthError):
        state["audit_error_code"] = exc.error
        return oauth_error(exc)
    status, body, headers = problem(exc, state.get("request_path"))
    state["audit_error_code"] = body["code"]
    return status, body, headers

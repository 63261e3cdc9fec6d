"""The REST error envelope, built in one place: {"error": {"code", "message", "details"}}."""

import logging

import psycopg2
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError

_logger = logging.getLogger(__name__)

TOKEN_ROUTE = "/oauth/token"
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An error the API answers as is: HTTP status, machine code, message, details."""

    def __init__(self, status, code, message, details=None, headers=None, extra=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}
        self.extra = extra or {}  # more members of the error object (e.g. "candidates" of a 409)


def invalid_field(field, message):
    """A 422 ``validation_error`` naming ``field``: what was sent there cannot be taken as it is."""
    return ApiError(
        422,
        "validation_error",
        f"{field}: {message}",
        details=[{"field": field, "message": message, "type": "value_error"}],
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


def _validation_details(errors):
    details = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body",)]
        details.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type", "")})
    return details


def to_status_and_body(exc):
    """(status, body, headers) for any exception raised while serving a REST call."""
    if isinstance(exc, OAuthError):
        body = {"error": exc.error, "error_description": exc.description}
        return exc.status, body, dict(exc.headers, **{"Cache-Control": "no-store", "Pragma": "no-cache"})
    if isinstance(exc, ApiError):
        status, code, message, details, headers = exc.status, exc.code, exc.message, exc.details, exc.headers
    elif isinstance(exc, RequestValidationError):
        status, code, message, headers = 422, "validation_error", "The request is not valid.", {}
        details = _validation_details(exc.errors())
    elif isinstance(exc, HTTPException):
        status, code, headers, details = (
            exc.status_code,
            HTTP_CODES.get(exc.status_code, "error"),
            exc.headers or {},
            [],
        )
        message = exc.detail if isinstance(exc.detail, str) else HTTP_CODES.get(exc.status_code, "error")
    elif isinstance(exc, RegistrantAccessRefused):
        status, code, headers, details = 403, exc.code, {}, []
        message = "The registrant has not consented to this access."
    elif isinstance(exc, DuplicateError):
        status, code, message, details, headers = 409, "duplicate", exc.args[0], [], {}
    elif isinstance(exc, ValidationError):
        status, code, message, details, headers = 422, "validation_error", exc.args[0], [], {}
    elif isinstance(exc, (AccessDenied, AccessError)):
        status, code, message, details, headers = 403, "forbidden", "Access denied.", [], {}
    elif isinstance(exc, MissingError):
        status, code, message, details, headers = 404, "not_found", "Not found.", [], {}
    elif isinstance(exc, UserError):
        status, code, message, details, headers = 409, "conflict", exc.args[0], [], {}
    elif isinstance(exc, ValueError) and "NUL (0x00)" in str(exc):
        # PostgreSQL text cannot hold NUL: client input, refused before anything is stored
        status, code, message, details, headers = 422, "validation_error", "NUL characters are not allowed.", [], {}
    elif isinstance(exc, psycopg2.errors.UniqueViolation):
        status, code, message, details, headers = 409, "duplicate", "This record already exists.", [], {}
    else:
        _logger.exception("Unexpected error while serving an API call")
        status, code, message, details, headers = 500, "internal_error", "Internal error.", [], {}
    error = {"code": code, "message": message, "details": details}
    if isinstance(exc, ApiError):
        error.update(exc.extra)
    return status, {"error": error}, headers


def render_rest_error(exc, state):
    """Renderer for ``G2PApiMiddleware`` on the REST app (RFC 6749 errors on the token route)."""
    if isinstance(exc, HTTPException) and state.get("request_path", "").endswith(TOKEN_ROUTE):
        # body refused before the token route ran (size, depth): answered as the route answers
        exc = OAuthError("invalid_request", exc.detail, status=exc.status_code)
    status, body, headers = to_status_and_body(exc)
    error = body.get("error")
    state["audit_error_code"] = error.get("code") if isinstance(error, dict) else error
    return status, body, headers

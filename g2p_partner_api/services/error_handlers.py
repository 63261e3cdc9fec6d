"""Error handlers of the REST app: any exception raised while serving a call, answered in one place as
RFC 9457 problem details (see ``problem_details``); the OAuth routes alone answer RFC 6749 §5.2 errors."""

import logging

import psycopg2
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError

from . import problem_details
from .api_errors import OAUTH_ROUTES, ApiError, DuplicateError, OAuthError
from .problem_details import HTTP_CODES, PROBLEM_CONTENT_TYPE
from .registry_errors import Conflict, Gone, Invalid, NotFound, RegistryError, ScopeMissing

_logger = logging.getLogger(__name__)
# the HTTP status of each refusal of the registry (services/registry_errors.py)
REGISTRY_STATUS = {NotFound: 404, Gone: 410, Conflict: 409, Invalid: 422, ScopeMissing: 403}


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
    elif isinstance(exc, RegistryError):
        status = next(status for kind, status in REGISTRY_STATUS.items() if isinstance(exc, kind))
        code, message, errors, extra = exc.code, exc.message, exc.errors, exc.extra
        if isinstance(exc, ScopeMissing):
            headers = {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{exc.scope}"'}
    elif isinstance(exc, RequestValidationError):
        status, code, message = _refused_input(exc)
        errors = problem_details.validation_errors(exc.errors())
    elif isinstance(exc, HTTPException):
        status, headers = exc.status_code, exc.headers or {}
        code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        message = exc.detail if isinstance(exc.detail, str) else problem_details.title(code, status)
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
    """(status, RFC 6749 §5.2 body, headers) of the OAuth routes."""
    body = {"error": exc.error, "error_description": exc.description}
    return exc.status, body, dict(exc.headers, **{"Cache-Control": "no-store", "Pragma": "no-cache"})


def answers_problems(path):
    """Whether the REST route at ``path`` (of the request, or of the app in its OpenAPI) answers its errors as
    problem details: every route but the OAuth routes (token, client secret), which answer RFC 6749 errors."""
    return not (path or "").endswith(OAUTH_ROUTES)


def render_rest_error(exc, call):
    """Renderer for ``G2PApiMiddleware`` on the REST app (RFC 6749 errors on the OAuth routes)."""
    if isinstance(exc, HTTPException) and not answers_problems(call.path):
        # body refused before the OAuth route ran (size, depth): answered as the route answers
        exc = OAuthError("invalid_request", exc.detail, status=exc.status_code)
    elif isinstance(exc, RequestValidationError) and not answers_problems(call.path):
        # a JSON body refused before the OAuth route ran (a repeated member)
        exc = OAuthError("invalid_request", "; ".join(str(error.get("msg")) for error in exc.errors()))
    if isinstance(exc, OAuthError):
        call.error_code = exc.error
        return oauth_error(exc)
    status, body, headers = problem(exc, call.path)
    call.error_code = body["code"]
    return status, body, headers

"""The G2P ingest envelope, built in one place for every answer of ``POST /partner/ingest_data``.

Its errors carry one of ``ERROR_CODES`` (listed in docs/errors.md). ``GET /partner/ingest_status``
is a REST-like read: its errors are problem details, as the REST app's."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo.addons.g2p_partner_api.services import problem_details, templates
from odoo.addons.g2p_partner_api.services.api_errors import RateLimited
from odoo.addons.g2p_partner_api.services.call_context import CallContext
from odoo.addons.g2p_partner_api.services.error_handlers import problem
from odoo.addons.g2p_partner_api.services.request_limits import BodyTooDeep, BodyTooLarge

_logger = logging.getLogger(__name__)
STATUS_ROUTE = "/ingest_status/"
DATA_MODELS_ROUTE = "/data-models"
# the bearer-token reads of the app: REST-like, their errors are problem details, not the ingest envelope
READ_ROUTES = (STATUS_ROUTE, DATA_MODELS_ROUTE)


@dataclass
class IngestCall(CallContext):
    """A call of the ingest app, and what its error envelope is rendered with."""

    data_model: object = None  # the g2p.ingest.data.model of the call, once known (its response template)
    dry_run: bool = False
    message_id: str | None = None


def is_read_route(path):
    """Whether ``path`` (of the request, or of the app in its OpenAPI) is one of the app's bearer-token reads."""
    return any(route in (path or "") for route in READ_ROUTES)


# error_code of the envelope → (HTTP status, what it means); business errors of a call that was read are HTTP 200
ERROR_CODES = {
    "MALFORMED_JSON": (400, "The body is not well-formed JSON"),
    "INVALID_REQUEST": (200, "A required path is missing or malformed, or the call is not consistent"),
    "INVALID_PARAMETERS": (
        422,
        "A query parameter or the body's JSON type is not valid, or the body names a member twice (see error_message)",
    ),
    "DATA_MODEL_NOT_FOUND": (200, "No data model is named or matches the payload"),
    "PARTNER_NOT_REGISTERED": (200, "The sender is not a registered partner"),
    "REQUEST_VALIDATION_ERROR": (200, "The signature is missing, invalid, expired or not bound to the message id"),
    "INSUFFICIENT_SCOPE": (200, "The proven sender lacks the ingest scope"),
    "FILE_UNREADABLE": (
        200,
        "The file is not a CSV (UTF-8 or the declared encoding) or XLSX table the registry can read",
    ),
    "PAYLOAD_TOO_LARGE": (413, "The body is over the app's size limit"),
    "PAYLOAD_TOO_DEEP": (400, "The JSON body is nested deeper than allowed"),
    "RATE_LIMITED": (429, "The sender spent its calls of the current minute"),
    "NOT_FOUND": (404, "No such route"),
    "METHOD_NOT_ALLOWED": (405, "The route does not take this method"),
    "INTERNAL_ERROR": (200, "An unexpected error; the registry logged it"),
}


class IngestError(Exception):
    """A business error answered as HTTP 200 with response_status ERROR (docs/errors.md, the ingest envelope)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(message_id, correlation_id, payload=None, error_code=None, error_message=None):
    return {
        "response_header": {
            "message_id": message_id,
            "correlation_id": correlation_id,
            "response_status": "ERROR" if error_code else "SUCCESS",
            "error_code": error_code,
            "error_message": error_message,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        },
        "response_payload": payload,
    }


def render(data_model, response):
    """Through the data model's response template when it has one (legacy acknowledgement shapes)."""
    if data_model and data_model.response_template:
        try:
            return templates.render_json(data_model.response_template, response=response)
        except templates.TemplateRenderError:
            _logger.exception("Response template of %s failed; answering the plain envelope", data_model.mnemonic)
    return response


def _located(error):
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


def _refused_input(exc):
    """(status, error code, message) of a body or parameters FastAPI refused."""
    errors = exc.errors()
    if all(error.get("type") == "json_invalid" for error in errors):
        return 400, "MALFORMED_JSON", "The body is not well-formed JSON."
    return 422, "INVALID_PARAMETERS", "; ".join(_located(e) for e in errors)[:900]


def render_ingest_error(exc, call):
    """Renderer for G2PApiMiddleware on the /partner app: problem details for its reads (ingest_status,
    data-models), else the envelope."""
    if is_read_route(call.path):
        status, body, headers = problem(exc, call.path)
        call.error_code = body["code"]
        return status, body, headers
    env_data_model = None if call.dry_run else call.data_model
    message_id = call.message_id
    if isinstance(exc, IngestError):
        call.error_code = exc.code
        return 200, render(env_data_model, envelope(message_id, None, None, exc.code, exc.message)), {}
    if isinstance(exc, BodyTooLarge):
        call.error_code = "PAYLOAD_TOO_LARGE"
        return 413, envelope(None, None, None, "PAYLOAD_TOO_LARGE", exc.detail), {}
    if isinstance(exc, BodyTooDeep):
        call.error_code = "PAYLOAD_TOO_DEEP"
        return 400, envelope(None, None, None, "PAYLOAD_TOO_DEEP", exc.detail), {}
    if isinstance(exc, RateLimited):
        call.error_code = "RATE_LIMITED"
        return 429, render(env_data_model, envelope(message_id, None, None, "RATE_LIMITED", exc.message)), exc.headers
    if isinstance(exc, RequestValidationError):
        status, code, message = _refused_input(exc)
        call.error_code = code
        return status, envelope(None, None, None, code, message), {}
    if isinstance(exc, HTTPException) and exc.status_code in (404, 405):
        code = problem_details.HTTP_CODES[exc.status_code].upper()
        call.error_code = code
        return exc.status_code, envelope(None, None, None, code, str(exc.detail)), exc.headers or {}
    _logger.exception("Unexpected error on the ingest app")
    call.error_code = "INTERNAL_ERROR"
    return 200, envelope(message_id, None, None, "INTERNAL_ERROR", "Internal error; the registry has logged it."), {}

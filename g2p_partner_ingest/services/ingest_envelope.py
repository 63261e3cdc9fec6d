"""The G2P ingest envelope, built in one place for every answer of the /partner app."""

import logging
from datetime import UTC, datetime

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError

from odoo.addons.g2p_partner_api.services import templates
from odoo.addons.g2p_partner_api.services.api_errors import ApiError, RateLimited, to_status_and_body
from odoo.addons.g2p_partner_api.services.request_limits import BodyTooDeep, BodyTooLarge

_logger = logging.getLogger(__name__)


class IngestError(Exception):
    """A business error answered as HTTP 200 with response_status ERROR (DESIGN §5)."""

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


def render_ingest_error(exc, state):
    """Renderer for G2PApiMiddleware on the /partner app."""
    env_data_model = None if state.get("ingest_dry_run") else state.get("ingest_data_model")
    message_id = state.get("ingest_message_id")
    if isinstance(exc, IngestError):
        state["audit_error_code"] = exc.code
        return 200, render(env_data_model, envelope(message_id, None, None, exc.code, exc.message)), {}
    if isinstance(exc, BodyTooLarge):
        state["audit_error_code"] = "PAYLOAD_TOO_LARGE"
        return 413, envelope(None, None, None, "PAYLOAD_TOO_LARGE", exc.detail), {}
    if isinstance(exc, BodyTooDeep):
        state["audit_error_code"] = "PAYLOAD_TOO_DEEP"
        return 400, envelope(None, None, None, "PAYLOAD_TOO_DEEP", exc.detail), {}
    if isinstance(exc, RateLimited):
        state["audit_error_code"] = "RATE_LIMITED"
        return 429, render(env_data_model, envelope(message_id, None, None, "RATE_LIMITED", exc.message)), exc.headers
    if isinstance(exc, RequestValidationError):
        state["audit_error_code"] = "INVALID_REQUEST"
        return 422, {"detail": jsonable_encoder(exc.errors())}, {}
    if isinstance(exc, ApiError):  # bearer-authenticated routes (ingest_status)
        status, body, headers = to_status_and_body(exc)
        state["audit_error_code"] = body["error"]["code"]
        return status, body, headers
    _logger.exception("Unexpected error on the ingest app")
    state["audit_error_code"] = "500"
    return 200, envelope(message_id, None, None, "500", "Internal error; the registry has logged it."), {}

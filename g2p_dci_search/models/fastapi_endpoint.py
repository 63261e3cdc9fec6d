import logging
import uuid

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo import api, fields, models

from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.app_spec import AppSpec
from odoo.addons.g2p_partner_api.services.request_limits import body_limit

from ..routers.dci import router as dci_router
from ..routers.dci_async import router as dci_async_router
from ..services.dci_envelope import ERROR_CODES, http_error

_logger = logging.getLogger(__name__)
APP = "g2p_dci_search"
MAX_BODY_BYTES_PARAM = "g2p_dci_search.max_body_bytes"
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
HTTP_CODES = {
    400: "err.request.bad",
    401: "err.request.unauthorized",
    403: "err.request.forbidden",
    404: "err.request.not_found",
    408: "err.request.timeout",
    429: "err.request.too_many_requests",
}


def _located(error):
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


def render_dci_error(exc, call):
    """Every HTTP-level DCI error, one body shape (see ``dci_envelope.http_error``); nothing internal leaks."""
    call.correlation_id = correlation_id = call.correlation_id or str(uuid.uuid4())
    headers = {}
    if isinstance(exc, RequestValidationError):
        details = "; ".join(_located(e) for e in exc.errors())
        status, code, message = 400, "err.request.bad", f"The envelope does not follow the DCI schema: {details}"
    elif isinstance(exc, ApiError):
        # a code of the spec's Error enum as is (sender, signature), else the one of the HTTP status
        code = exc.code if exc.code in ERROR_CODES else HTTP_CODES.get(exc.status, "err.request.bad")
        status, message, headers = exc.status, exc.message, exc.headers
    elif isinstance(exc, HTTPException):
        status, headers = exc.status_code, exc.headers or {}
        code = HTTP_CODES.get(status, "err.request.bad" if status < 500 else "err.service.unavailable")
        message = exc.detail if isinstance(exc.detail, str) else code
    else:
        _logger.exception("Unexpected error in the DCI app")
        call.error_code = "500"
        return 500, http_error("err.service.unavailable", "Internal error.", correlation_id), {}
    call.error_code = code
    return status, http_error(code, message, correlation_id), headers


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P DCI registry API")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = AppSpec(
            routers=(dci_router, dci_async_router),
            render_error=render_dci_error,
            # a request that does not follow the DCI schema is a 400 err.request.bad (documented on each route)
            invalid_input=None,
            max_body_bytes=body_limit(MAX_BODY_BYTES_PARAM, DEFAULT_MAX_BODY_BYTES),
            version="1.0.0",
            # read from a replica when there is one (the transaction row is written on the primary)
            readonly_posts=("/registry/sync/search",),
            summary="SPDCI Social Registry API: signed DCI search (sync and async), subscriptions and notifications.",
        )
        return apps

    @api.model
    def _dci_reader_env(self, endpoint, company):
        """The environment what the registry answers later to a call that the DCI ``endpoint`` received for
        ``company`` is read in (an asynchronous search, a notification, each attempt to deliver them): that
        endpoint's user in its company, as the call was. None when the endpoint is archived or deleted, or works
        for another company now: never the rules of another endpoint, of another company."""
        reader = self._reader_env(self._endpoint_reader(endpoint.id, APP) if endpoint else None)
        # an endpoint of no company works in its user's
        return reader if reader is not None and reader.company.id == company.id else None

import logging

from fastapi.exceptions import RequestValidationError

from odoo import api, fields, models

from odoo.addons.g2p_partner_api.services.api_errors import ApiError

from ..routers.dci import router as dci_router
from ..routers.dci_async import router as dci_async_router
from ..services.dci_envelope import http_errors

_logger = logging.getLogger(__name__)
APP = "g2p_dci_search"
HTTP_CODES = {401: "err.request.unauthorized", 403: "err.request.forbidden", 404: "err.request.not_found"}


def render_dci_error(exc, state):
    """HTTP-level DCI errors in the spec's HttpErrorResponse shape; nothing internal leaks."""
    if isinstance(exc, RequestValidationError):
        details = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}" for e in exc.errors())
        state["audit_error_code"] = "err.request.bad"
        return 400, http_errors("err.request.bad", f"The envelope does not follow the DCI schema: {details}"[:999]), {}
    if isinstance(exc, ApiError):
        code = HTTP_CODES.get(exc.status, "err.request.bad")
        state["audit_error_code"] = code
        return exc.status, http_errors(code, exc.message), exc.headers
    _logger.exception("Unexpected error in the DCI app")
    state["audit_error_code"] = "500"
    return 500, http_errors("err.service.unavailable", "Internal error."), {}


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P DCI registry API")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = {"routers": [dci_router, dci_async_router], "render_error": render_dci_error, "version": "1.0.0",
                     "summary": "SPDCI Social Registry API: signed DCI search (sync and async), subscriptions and notifications."}
        return apps

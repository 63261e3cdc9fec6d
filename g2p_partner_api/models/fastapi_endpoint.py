from starlette.middleware import Middleware

from odoo import fields, models

from ..routers import REST_ROUTERS
from ..services.api_errors import render_rest_error
from ..services.api_middleware import G2PApiMiddleware

APP = "g2p_partner_api"


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner API (REST v2)")], ondelete={APP: "cascade"})

    def _get_fastapi_routers(self):
        if self.app == APP:
            return list(REST_ROUTERS)
        return super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        if self.app == APP:
            middlewares.append(Middleware(G2PApiMiddleware, source=self.root_path, render_error=render_rest_error))
        return middlewares

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == APP:
            params.update(
                version="2.0",
                summary="Registry REST API: individuals, groups, programmes and memberships for partner systems.",
            )
        return params

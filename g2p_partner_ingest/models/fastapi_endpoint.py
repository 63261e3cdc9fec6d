from starlette.middleware import Middleware

from odoo import fields, models

from odoo.addons.g2p_partner_api.services.api_middleware import G2PApiMiddleware

from ..routers.ingest import router as ingest_router
from ..services.ingest_envelope import render_ingest_error

APP = "g2p_partner_ingest"


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner ingest")], ondelete={APP: "cascade"})

    def _get_fastapi_routers(self):
        if self.app == APP:
            return [ingest_router]
        return super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        if self.app == APP:
            middlewares.append(Middleware(G2PApiMiddleware, source=self.root_path, render_error=render_ingest_error))
        return middlewares

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == APP:
            params.update(version="1.0", summary="Partner data ingestion: signed payloads into the registry's approval pipeline.")
        return params

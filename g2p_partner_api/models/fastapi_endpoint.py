from starlette.middleware import Middleware

from odoo import api, fields, models

from ..routers import REST_ROUTERS
from ..services.api_errors import render_rest_error
from ..services.api_middleware import G2PApiMiddleware

APP = "g2p_partner_api"


class FastapiEndpoint(models.Model):
    """The apps of the suite: each one registers itself in ``_g2p_apps`` and gets its routers,
    the suite's middleware (savepoint, its own error envelope, audit) and its OpenAPI metadata."""

    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner API (REST v2)")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        """app selection value → {"routers": [...], "render_error": fn, "version": str, "summary": str,
        optional "max_body_bytes": fn(env) -> int}. Addons of the suite add their app here (call super and add a key)."""
        return {APP: {
            "routers": list(REST_ROUTERS), "render_error": render_rest_error, "version": "2.0",
            "summary": "Registry REST API: individuals, groups, programmes and memberships for partner systems.",
        }}

    def _get_fastapi_routers(self):
        spec = self._g2p_apps().get(self.app)
        return list(spec["routers"]) if spec else super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        spec = self._g2p_apps().get(self.app)
        if spec:
            middlewares.append(Middleware(G2PApiMiddleware, source=self.root_path, render_error=spec["render_error"],
                                          max_body_bytes=spec.get("max_body_bytes"), company_id=self.company_id.id))
        return middlewares

    def _get_app_dependencies_overrides(self):
        # With any dependency override, FastAPI analyses every dependency of a route again on
        # each call (signatures, pydantic adapters: about half of a simple call's CPU). The
        # suite's apps need none: the middleware gives each call the endpoint's company.
        if self.app in self._g2p_apps():
            return {}
        return super()._get_app_dependencies_overrides()

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        spec = self._g2p_apps().get(self.app)
        if spec:
            params.update(version=spec["version"], summary=spec["summary"])
        return params

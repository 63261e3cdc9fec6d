from odoo import api, fields, models

from odoo.addons.g2p_partner_api.services.app_spec import AppSpec
from odoo.addons.g2p_partner_api.services.request_limits import body_limit

from ..routers.ingest import router as ingest_router
from ..services.ingest_envelope import IngestCall, is_read_route, render_ingest_error

APP = "g2p_partner_ingest"
MAX_BODY_BYTES_PARAM = "g2p_partner_ingest.max_body_bytes"
# the largest ingest body accepted, counted while it is read (before any parsing); nginx's
# client_max_body_size (docs/nginx-locations.conf) is the same
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner ingest")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = AppSpec(
            routers=(ingest_router,),
            render_error=render_ingest_error,
            context_class=IngestCall,
            answers_problems=is_read_route,
            version="1.0",
            max_body_bytes=body_limit(MAX_BODY_BYTES_PARAM, DEFAULT_MAX_BODY_BYTES),
            summary="Partner data ingestion: signed payloads into the registry's approval pipeline.",
        )
        return apps

from odoo import api, fields, models

from ..routers.ingest import router as ingest_router
from ..services.ingest_envelope import render_ingest_error

APP = "g2p_partner_ingest"


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner ingest")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = {"routers": [ingest_router], "render_error": render_ingest_error, "version": "1.0",
                     "summary": "Partner data ingestion: signed payloads into the registry's approval pipeline."}
        return apps

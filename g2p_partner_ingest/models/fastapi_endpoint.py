from odoo import api, fields, models

from ..routers.ingest import router as ingest_router
from ..services.ingest_envelope import render_ingest_error

APP = "g2p_partner_ingest"
MAX_BODY_BYTES_PARAM = "g2p_partner_ingest.max_body_bytes"
DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024


def max_body_bytes(env):
    """The largest ingest body accepted, counted while it is read (before any parsing)."""
    return int(env["ir.config_parameter"].sudo().get_param(MAX_BODY_BYTES_PARAM, DEFAULT_MAX_BODY_BYTES))


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner ingest")], ondelete={APP: "cascade"})

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = {
            "routers": [ingest_router],
            "render_error": render_ingest_error,
            "version": "1.0",
            "max_body_bytes": max_body_bytes,
            "summary": "Partner data ingestion: signed payloads into the registry's approval pipeline.",
        }
        return apps

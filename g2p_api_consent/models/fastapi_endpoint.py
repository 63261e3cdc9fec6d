import dataclasses

from odoo import api, models

from odoo.addons.g2p_partner_api.models.fastapi_endpoint import APP

from ..routers.consent import router as consent_router


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    @api.model
    def _g2p_apps(self):
        apps = super()._g2p_apps()
        apps[APP] = dataclasses.replace(apps[APP], routers=(*apps[APP].routers, consent_router))
        return apps

from odoo import models

from odoo.addons.g2p_partner_api.models.fastapi_endpoint import APP

from ..routers.consent import router as consent_router


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    def _get_fastapi_routers(self):
        routers = super()._get_fastapi_routers()
        if self.app == APP:
            routers.append(consent_router)
        return routers

from odoo import api, models

from odoo.addons.g2p_partner_api.services import system_parameters as rules

from ..services.ingest_acceptance import SIGNATURE_WINDOW_PARAM
from .fastapi_endpoint import MAX_BODY_BYTES_PARAM
from .g2p_change_request import CHECK_PARAM


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _g2p_parameter_rules(self):
        return {
            **super()._g2p_parameter_rules(),
            MAX_BODY_BYTES_PARAM: rules.whole(1),
            SIGNATURE_WINDOW_PARAM: rules.whole(1),
            CHECK_PARAM: rules.SWITCH,
        }

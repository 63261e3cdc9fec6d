from odoo import api, models

from odoo.addons.g2p_partner_api.services import system_parameters as rules

from ..services.dci_envelope import REGISTRY_ID_PARAM
from .fastapi_endpoint import MAX_BODY_BYTES_PARAM
from .g2p_dci_register import DEFAULT_REG_TYPE_PARAM
from .g2p_dci_subscription import MAX_ACTIVE_PARAM


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _g2p_parameter_rules(self):
        return {
            **super()._g2p_parameter_rules(),
            MAX_BODY_BYTES_PARAM: rules.whole(1),
            DEFAULT_REG_TYPE_PARAM: rules.TEXT,
            MAX_ACTIVE_PARAM: rules.whole(0),
            REGISTRY_ID_PARAM: rules.TEXT,
        }

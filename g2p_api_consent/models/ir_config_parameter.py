from odoo import api, models

from odoo.addons.g2p_partner_api.services import system_parameters as rules

from ..services.consent_recording import MAX_BACKDATE_PARAM


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _g2p_parameter_rules(self):
        return {**super()._g2p_parameter_rules(), MAX_BACKDATE_PARAM: rules.whole(0)}

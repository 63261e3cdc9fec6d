from odoo import fields, models


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    dci_verify_signature = fields.Boolean(
        string="Verify DCI envelope signatures", default=True, tracking=True,
        help="Switch off only for a test partner or a system on a trusted network: unsigned envelopes are then accepted.",
    )

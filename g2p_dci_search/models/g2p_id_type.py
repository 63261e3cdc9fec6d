from odoo import models


class G2PIdType(models.Model):
    # DCI registers cache the DCI name of each id type by its namespace URI
    _name = "g2p.id.type"
    _inherit = ["g2p.id.type", "g2p.cache.clearing.mixin"]

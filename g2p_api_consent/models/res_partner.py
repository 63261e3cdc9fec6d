from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    consent_ids = fields.One2many("g2p.consent", "partner_id", string="Consents")

from odoo import fields, models


class G2PChangeRequestEditIdentifier(models.TransientModel):
    _name = "g2p.change.request.edit.identifier"
    _description = "Identifier in an edited proposal"

    wizard_id = fields.Many2one("g2p.change.request.edit.wizard", required=True, ondelete="cascade")
    id_type_id = fields.Many2one("g2p.id.type", string="ID type", required=True)
    value = fields.Char(string="Number", required=True)

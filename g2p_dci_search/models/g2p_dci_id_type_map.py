from odoo import fields, models


class G2PDciIdTypeMap(models.Model):
    """idtype-value queries: the DCI identifier type name (e.g. UIN, NationalID) → registry ID type.

    Records carry, for each identifier, the first name mapped to its type (by sequence), so a
    participant can search with what it was given.
    """

    _name = "g2p.dci.id.type.map"
    _inherit = ["g2p.cache.clearing.mixin"]
    _description = "DCI identifier type mapping"
    _order = "register_id, sequence, id"

    register_id = fields.Many2one("g2p.dci.register", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    dci_id_type = fields.Char(string="DCI ID type", required=True)
    id_type_id = fields.Many2one("g2p.id.type", string="ID type", required=True, ondelete="cascade")

    _sql_constraints = [("dci_id_type_unique", "unique(register_id, dci_id_type)", "This id type is already mapped.")]

from odoo import fields, models


class G2PVocabulary(models.Model):
    _name = "g2p.vocabulary"
    _inherit = ["g2p.cache.clearing.mixin"]  # its namespace is its codes' (g2p.reference.data)
    _description = "Vocabulary of coded values"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    namespace_uri = fields.Char(
        string="Namespace URI", required=True, index=True, help="System URI used on the wire, e.g. urn:g2p:vocab:gender"
    )
    description = fields.Text()
    code_ids = fields.One2many("g2p.vocabulary.code", "vocabulary_id", string="Codes")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("namespace_uri_unique", "unique(namespace_uri)", "A vocabulary with this namespace URI already exists."),
    ]

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class G2PVocabularyCode(models.Model):
    _name = "g2p.vocabulary.code"
    _inherit = ["g2p.cache.clearing.mixin"]  # rendered from g2p.reference.data
    _description = "Code of a vocabulary"
    _order = "vocabulary_id, sequence, code"
    _rec_name = "display"

    vocabulary_id = fields.Many2one("g2p.vocabulary", required=True, ondelete="cascade", index=True)
    namespace_uri = fields.Char(related="vocabulary_id.namespace_uri", store=True, index=True)
    code = fields.Char(required=True)
    display = fields.Char(required=True, translate=True)
    definition = fields.Text()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(vocabulary_id, code)", "This code already exists in the vocabulary."),
    ]

    @api.model
    def _resolve(self, system, code, field_label=None):
        """The active code ``code`` of the vocabulary ``system``, or a ValidationError naming the field; read
        from the worker's snapshot (g2p.reference.data ``_find_active``: as a search finds it, record rules
        included)."""
        found = self.env["g2p.reference.data"]._find_active(self, {"namespace_uri": system, "code": code})
        if not found:
            raise ValidationError(
                _(
                    "%(field)s: unknown code %(code)r in vocabulary %(system)r.",
                    field=field_label or _("Code"),
                    code=code,
                    system=system,
                )
            )
        return found

    def _to_wire(self):
        self.ensure_one()
        return {"system": self.namespace_uri, "code": self.code, "display": self.display}

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class G2PIdType(models.Model):
    _name = "g2p.id.type"
    _inherit = ["g2p.cache.clearing.mixin"]  # rendered from g2p.reference.data
    _description = "Identifier type"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    namespace_uri = fields.Char(
        string="Namespace URI",
        required=True,
        index=True,
        help="System URI used on the wire, e.g. urn:g2p:id:national-id",
    )
    description = fields.Text()
    value_regex = fields.Char(help="Optional regular expression every value of this type must match.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("namespace_uri_unique", "unique(namespace_uri)", "An identifier type with this namespace URI already exists."),
    ]

    @api.model
    def _resolve(self, system, field_label=None):
        """The active ID type of namespace ``system``, or a ValidationError naming the field; read from the
        worker's snapshot (g2p.reference.data ``_find_active``: as a search finds it, record rules included)."""
        found = self.env["g2p.reference.data"]._find_active(self, {"namespace_uri": system})
        if not found:
            raise ValidationError(
                _(
                    "%(field)s: unknown identifier system %(system)r.",
                    field=field_label or _("Identifier"),
                    system=system,
                )
            )
        return found

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class G2PDciRegisterField(models.Model):
    """A field partners may use in expressions and sort, mapped to an ORM path (never SQL)."""

    _name = "g2p.dci.register.field"
    _inherit = ["g2p.cache.clearing.mixin"]  # registers cache their searchable fields
    _description = "Searchable field of a DCI register"
    _order = "register_id, name"

    register_id = fields.Many2one("g2p.dci.register", required=True, ondelete="cascade")
    name = fields.Char(required=True, help="Attribute name used in queries, e.g. birth_date")
    orm_path = fields.Char(
        string="Field path", required=True, help="res.partner field path, e.g. birthdate or reg_id_ids.value"
    )
    value_type = fields.Selection(
        [("string", "Text"), ("date", "Date"), ("number", "Number"), ("boolean", "Boolean")],
        required=True,
        default="string",
    )
    sortable = fields.Boolean(compute="_compute_sortable")

    _sql_constraints = [("name_unique", "unique(register_id, name)", "This field is already mapped.")]

    @api.depends("orm_path")
    def _compute_sortable(self):
        Partner = self.env["res.partner"]
        for rec in self:
            field = Partner._fields.get(rec.orm_path or "")
            rec.sortable = bool(field and field.store and "." not in rec.orm_path)

    @api.constrains("orm_path")
    def _check_orm_path(self):
        for rec in self:
            model = self.env["res.partner"]
            for part in rec.orm_path.split("."):
                field = model._fields.get(part)
                if not field:
                    raise ValidationError(_("%s is not a field path of registrants.", rec.orm_path))
                model = self.env[field.comodel_name] if field.relational else model

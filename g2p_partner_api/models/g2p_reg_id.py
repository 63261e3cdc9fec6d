import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services.api_errors import DuplicateError


class G2PRegId(models.Model):
    _name = "g2p.reg.id"
    _inherit = ["g2p.registrant.part.mixin"]
    _description = "Registrant identifier"
    _registrant_fields = ("partner_id",)
    _order = "id_type_id, value"
    _rec_name = "value"

    partner_id = fields.Many2one("res.partner", string="Registrant", required=True, ondelete="cascade", index=True)
    id_type_id = fields.Many2one("g2p.id.type", string="ID type", required=True, ondelete="restrict", index=True)
    namespace_uri = fields.Char(related="id_type_id.namespace_uri", string="System")
    value = fields.Char(required=True, index=True)
    status = fields.Selection(
        [("valid", "Valid"), ("invalid", "Invalid"), ("revoked", "Revoked")], default="valid", required=True
    )
    expiry_date = fields.Date()
    description = fields.Char()

    _sql_constraints = [
        ("id_type_value_unique", "unique(id_type_id, value)", "This identifier is already assigned to a registrant."),
    ]

    @api.constrains("id_type_id", "value")
    def _check_value(self):
        for rec in self:
            if rec.id_type_id.value_regex and not re.fullmatch(rec.id_type_id.value_regex, rec.value or ""):
                raise ValidationError(
                    _(
                        "Identifier %(value)r does not match the format of %(type)s.",
                        value=rec.value,
                        type=rec.id_type_id.name,
                    )
                )

    def _check_not_assigned(self, id_type_id, value):
        """Refuse a (type, value) pair held by another row, before the INSERT/UPDATE.

        The SQL constraint stays as the guard against races; this check turns the common
        case into a clear validation error instead of a database integrity error.
        """
        if not id_type_id or not value:
            return
        duplicate = self.search(
            [("id_type_id", "=", id_type_id), ("value", "=", value), ("id", "not in", self.ids)], limit=1
        )
        if duplicate:
            raise DuplicateError(
                _(
                    "Identifier %(system)s|%(value)s is already assigned to another registrant.",
                    system=duplicate.id_type_id.namespace_uri,
                    value=value,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        keys = [(vals.get("id_type_id"), vals.get("value")) for vals in vals_list]
        # the pairs held already, for many rows in one search (a change request chunk creates 100 people); each
        # found is refused by _check_not_assigned below as a search of it alone would
        held = set()
        if len(vals_list) > 1:
            types, values = {t for t, v in keys if t and v}, {v for t, v in keys if t and v}
            if values:
                found = self.search_fetch(
                    [("id_type_id", "in", list(types)), ("value", "in", list(values))], ["id_type_id", "value"]
                )
                held = {(r.id_type_id.id, r.value) for r in found}
        seen = set()
        for vals, key in zip(vals_list, keys, strict=True):
            if key in seen:
                raise DuplicateError(_("Identifier %s is given twice.", vals.get("value")))
            seen.add(key)
            if len(vals_list) == 1 or (key[0], key[1] and str(key[1])) in held:
                self.browse()._check_not_assigned(*key)
        return super().create(vals_list)

    def write(self, vals):
        if "id_type_id" in vals or "value" in vals:
            for rec in self:
                rec._check_not_assigned(vals.get("id_type_id", rec.id_type_id.id), vals.get("value", rec.value))
        return super().write(vals)

    @api.depends("id_type_id.name", "value")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.id_type_id.name}: {rec.value}" if rec.id_type_id else rec.value

    def _to_wire(self):
        self.ensure_one()
        return {"system": self.id_type_id.namespace_uri, "value": self.value}

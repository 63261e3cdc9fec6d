import uuid

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class G2PUuidMixin(models.AbstractModel):
    """A record partners hold by its uuid, the only handle of it the APIs give: set at creation, never changed
    (a new one would orphan the partners' references)."""

    _name = "g2p.uuid.mixin"
    _description = "Record addressed by a uuid"

    uuid = fields.Char(
        string="UUID",
        required=True,
        copy=False,
        readonly=True,
        index=True,
        default=lambda self: str(uuid.uuid4()),
        help="The record's handle in the APIs",
    )

    def _init_column(self, column_name):
        # rows made before the model had a uuid get one each (the default would give them all the same)
        if column_name != "uuid":
            return super()._init_column(column_name)
        self.env.cr.execute(
            SQL("UPDATE %s SET uuid = gen_random_uuid()::text WHERE uuid IS NULL", SQL.identifier(self._table))
        )

    def write(self, vals):
        if "uuid" in vals and any(rec.uuid != vals["uuid"] for rec in self):
            raise UserError(_("The UUID of %s never changes: partners hold the record by it.", self._description))
        return super().write(vals)

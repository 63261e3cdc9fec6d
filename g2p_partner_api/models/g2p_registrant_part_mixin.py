from odoo import api, models


class G2PRegistrantPartMixin(models.AbstractModel):
    """Records that are part of a registrant's wire form (identifiers, memberships): creating,
    changing or deleting one is a change of the registrants it belongs to, for the pull feed
    (``g2p.registrant.change``). ``_registrant_fields`` names the many2one fields to them."""

    _name = "g2p.registrant.part.mixin"
    _description = "Part of a registrant (its changes are the registrant's)"
    _registrant_fields = ()

    def _record_registrant_changes(self):
        parts = self.sudo()
        registrants = self.env["res.partner"].union(*(parts.mapped(name) for name in self._registrant_fields))
        self.env["g2p.registrant.change"]._record_registrants(registrants)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._record_registrant_changes()
        return records

    def write(self, vals):
        if set(self._registrant_fields) & set(vals):
            self._record_registrant_changes()  # the registrants it leaves
        result = super().write(vals)
        self._record_registrant_changes()
        return result

    def unlink(self):
        self._record_registrant_changes()
        return super().unlink()

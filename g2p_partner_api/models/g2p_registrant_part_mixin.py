from odoo import api, models


class G2PRegistrantPartMixin(models.AbstractModel):
    """Records that are part of a registrant's wire form (identifiers, memberships): creating,
    changing or deleting one is a change of the registrants it belongs to, for the pull feed
    (``g2p.registrant.change``). ``_registrant_fields`` names the many2one fields to them."""

    _name = "g2p.registrant.part.mixin"
    _description = "Part of a registrant (its changes are the registrant's)"
    _registrant_fields = ()

    def _registrant_changes(self):
        """(registrant, the registrant whose link to it is the change, or an empty recordset) of each registrant
        these parts belong to (``g2p.registrant.change._record_changes``)."""
        nobody = self.env["res.partner"]
        return [(part[name], nobody) for part in self for name in self._registrant_fields]

    def _record_registrant_changes(self):
        self.env["g2p.registrant.change"]._record_changes(self.sudo()._registrant_changes())

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

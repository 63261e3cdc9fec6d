from odoo import api, fields, models


class G2PSourceMixin(models.AbstractModel):
    """Provenance: which API client and source system created and last changed a record.

    The API layer puts ``g2p_provenance`` in the context (see ``dependencies.api_env``);
    every create/write made in that context stamps the record, whatever the code path.
    """

    _name = "g2p.source.mixin"
    _description = "Provenance of records written through the APIs"

    source_client_id = fields.Many2one(
        "g2p.api.client", string="Created by API client", readonly=True, copy=False, index="btree_not_null"
    )
    source_system = fields.Char(string="Created from source system", readonly=True, copy=False)
    source_date = fields.Datetime(string="Created through API on", readonly=True, copy=False)
    last_source_client_id = fields.Many2one(
        "g2p.api.client", string="Last changed by API client", readonly=True, copy=False
    )
    last_source_system = fields.Char(string="Last source system", readonly=True, copy=False)
    last_source_date = fields.Datetime(string="Last changed through API on", readonly=True, copy=False)

    def _provenance_vals(self, creating):
        provenance = self.env.context.get("g2p_provenance")
        if not provenance:
            return {}
        now = fields.Datetime.now()
        vals = {
            "last_source_client_id": provenance.get("client_id"),
            "last_source_system": provenance.get("source_system"),
            "last_source_date": now,
        }
        if creating:
            vals.update(
                source_client_id=provenance.get("client_id"),
                source_system=provenance.get("source_system"),
                source_date=now,
            )
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        extra = self._provenance_vals(creating=True)
        if extra:
            vals_list = [dict(vals, **extra) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        extra = self._provenance_vals(creating=False)
        if extra and not set(vals) <= set(extra):
            vals = dict(vals, **extra)
        return super().write(vals)

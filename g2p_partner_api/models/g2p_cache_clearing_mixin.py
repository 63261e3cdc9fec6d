from odoo import api, models


class G2PCacheClearingMixin(models.AbstractModel):
    """Records read through an ``ormcache``d lookup: any change clears the registry cache (all workers)."""

    _name = "g2p.cache.clearing.mixin"
    _description = "Clears cached lookups when its records change"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

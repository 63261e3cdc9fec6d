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

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=None):
        # translations are written without write(): a cached display name in that language changes too
        self.env.registry.clear_cache()
        return super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)

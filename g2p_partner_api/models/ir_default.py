from odoo import _, api, models
from odoo.exceptions import AccessError

from ..services.suite_names import is_suite_module


class IrDefault(models.Model):
    """Odoo lets every employee keep personal default values for any field (its rule "Defaults: alter personal
    defaults"), and ``create`` fills them in after the suite's checks of what it was given: a default of a
    suite field (an unsafe setting, a server-only field, where deliveries go) would be a way round them. The
    checks of ``create`` see these defaults too (``services/caller_defaults``); the defaults of the suite's
    fields are, besides, a system administrator's to set."""

    _inherit = "ir.default"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_suite_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_suite_fields([vals], self)
        return super().write(vals)

    def _check_suite_fields(self, vals_list, existing=None):
        if self.env["g2p.guarded.settings.mixin"]._is_system_administrator():
            return
        named = [vals["field_id"] for vals in vals_list if vals.get("field_id")]
        fields = self.env["ir.model.fields"].sudo().browse(named)
        if existing is not None:
            fields |= existing.sudo().field_id
        suite = [field for field in fields if self._is_suite_field(field)]
        if suite:
            raise AccessError(
                _(
                    "Only a system administrator may set default values of the registry's fields: %(fields)s",
                    fields=", ".join(f"{field.model}.{field.name}" for field in suite),
                )
            )

    def _is_suite_field(self, field):
        definition = field.model in self.env and self.env[field.model]._fields.get(field.name)
        return bool(definition) and any(is_suite_module(module) for module in definition._modules)

from odoo import _, api, models
from odoo.exceptions import AccessError

from ..services.caller_defaults import with_caller_defaults


class G2PGuardedSettingsMixin(models.AbstractModel):
    """Records with settings that switch a safeguard off (signature checks, human review): only a
    system administrator may move them away from their safe value, whatever the caller's other
    rights on the record and whatever context it sends."""

    _name = "g2p.guarded.settings.mixin"
    _description = "Settings only a system administrator may make unsafe"

    @api.model
    def _safe_settings(self):
        """{field: safe value} (a boolean, the one safe value of a selection, or a frozenset of its safe values);
        models and addons add theirs (call super)."""
        return {}

    @api.model
    def _is_system_administrator(self):
        """The caller is a system administrator, or the server's own code (sudo): the one role that may make
        a setting unsafe, replace a partner's key or sender name, or delete a client."""
        return self.env.su or self.env.user.has_group("base.group_system")

    @api.model
    def _check_unsafe_settings(self, vals):
        unsafe = sorted(f for f, safe in self._safe_settings().items() if f in vals and not _is_safe(vals[f], safe))
        if unsafe and not self._is_system_administrator():
            raise AccessError(
                _(
                    "Only a system administrator may switch off these safeguards of %(model)s: %(fields)s",
                    model=self._description,
                    fields=", ".join(self._fields[f].string for f in unsafe),
                )
            )

    def _check_administrators_own(self, vals):
        """Refuse what else only a system administrator may set or change (where a partner's data goes, ...) before
        anything is stored; models add theirs (call super). ``self`` is empty when ``vals`` creates a record."""

    @api.model_create_multi
    def create(self, vals_list):
        new = self.browse()  # copy() calls create on the record it copies: a new record is no change of that one
        vals_list = with_caller_defaults(self, vals_list)
        for vals in vals_list:
            new._check_unsafe_settings(vals)
            new._check_administrators_own(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_unsafe_settings(vals)
        self._check_administrators_own(vals)
        return super().write(vals)


def _is_safe(value, safe):
    if isinstance(safe, bool):
        return bool(value) == safe
    if isinstance(safe, frozenset):
        return value in safe
    return value == safe

from odoo import _, models
from odoo.exceptions import AccessError
from odoo.fields import Command

from ..services.suite_names import is_suite_model, is_suite_module

PARTNER = "res.partner"


def _record_id(value):
    """The id of a record as a form sends it (an id, a pair, or a dict with an id); None for a new record."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    elif isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Base(models.AbstractModel):
    _inherit = "base"

    def onchange(self, values, field_names, fields_spec):
        """Odoo's onchange checks no right on a record built in memory, and computes related fields (and the
        display names of its many2one fields) as the superuser: anyone logged in could name any registrant in a
        form and read its data off the answer. Refused when the caller names a registrant it may not read, and on
        the suite's models to who may not read the model."""
        if not self.env.su:
            if is_suite_module(self._original_module):
                self.check_access("read")
            named = dict(values)
            if not field_names:  # the first call: a new record takes the defaults of the fields not given
                relational = [name for name, field in self._fields.items() if field.relational and name not in values]
                named = dict(self.default_get(relational), **values)
            self._check_registrants_readable(self._named_contact_ids(named))
        return super().onchange(values, field_names, fields_spec)

    def _named_contact_ids(self, values):
        """The ids of the contacts ``values`` name (as a form or ``create`` gives them): in fields to contacts
        and in the lines of x2many fields, at any depth."""
        ids = set()
        for name, value in values.items():
            field = self._fields.get(name)
            if not field or not value:
                continue
            if field.type == "many2one" and field.comodel_name == PARTNER:
                ids.add(_record_id(value))
            elif field.type in ("one2many", "many2many") and isinstance(value, (list, tuple)):
                ids |= self.env[field.comodel_name]._command_contact_ids(value, field.comodel_name == PARTNER)
        ids.discard(None)
        return ids

    def _command_contact_ids(self, commands, of_contacts):
        ids = set()
        for command in commands:
            if not isinstance(command, (list, tuple)) or not command:
                continue
            kind = command[0]
            if kind in (Command.CREATE, Command.UPDATE) and len(command) > 2 and isinstance(command[2], dict):
                ids |= self._named_contact_ids(command[2])
            if of_contacts and kind in (Command.UPDATE, Command.LINK) and len(command) > 1:
                ids.add(_record_id(command[1]))
            elif of_contacts and kind == Command.SET and len(command) > 2 and isinstance(command[2], (list, tuple)):
                ids.update(_record_id(record_id) for record_id in command[2])
        return ids

    def _is_registry_data(self):
        """Whether these records are the register's: a registrant, or a record of the suite's ``g2p.*`` models.
        Odoo's generic features (refusals in debug mode, activities) read them as the superuser: they must name
        none of them to who may not read them."""
        if is_suite_model(self._name):
            return True
        return self._name == PARTNER and any(self.sudo().exists().mapped("is_registrant"))

    def _check_registrants_readable(self, contact_ids):
        named = self.env[PARTNER].browse(contact_ids)
        contacts = named.exists()
        hidden = (contacts - contacts._filtered_access("read")).sudo().filtered("is_registrant")
        if hidden or len(contacts) != len(named):
            # the same refusal for every registrant, and for a contact nobody has: nothing of it is told
            raise AccessError(_("This form names a registrant you may not read."))

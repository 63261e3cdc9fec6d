import logging

from odoo import _, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)


class IrRule(models.Model):
    """In debug mode (any employee's to switch on: ``base.group_user`` implies ``base.group_no_one``) Odoo's
    refusal lists each refused record by its display name, read as the superuser, and the rules that refused it:
    anyone could name any registrant by id. A refusal of the register's records names none of them, nor their
    company unless the user could read them there, whatever the mode."""

    _inherit = "ir.rule"

    def _make_access_error(self, operation, records):
        if not _refused_register_records(records):
            return super()._make_access_error(operation, records)
        _logger.info(
            "Access Denied by record rules for operation: %s on record ids: %r, uid: %s, model: %s",
            operation,
            records.ids[:6],
            self._uid,
            records._name,
        )
        self = self.with_context(**self.env.user.context_get())
        description = self.env["ir.model"]._get(records._name).name or records._name
        user_description = f"{self.env.user.name} (id={self.env.user.id})"
        message = _(
            "Sorry, %(user)s doesn't have '%(operation)s' access to:\n- %(description)s (%(model)s)",
            user=user_description,
            operation=operation,
            description=description,
            model=records._name,
        )
        company = self._company_to_switch_to(operation, records)
        if company:
            message += "\n\n" + _(
                "This seems to be a multi-company issue, you might be able to access the record by switching to "
                "the company: %s.",
                company.display_name,
            )
        exception = AccessError(message)
        if company:
            exception.context = {"suggested_company": {"id": company.id, "display_name": company.display_name}}
        return exception

    def _company_to_switch_to(self, operation, records):
        """The company of the user's in which it may do ``operation`` on the record, as Odoo suggests (the form
        then switches to it): none when the record is hidden from the user in all of its companies."""
        user_companies = self.env.user.company_ids
        company = records.sudo()._get_redirect_suggested_company() if len(records) == 1 else None
        if not company or len(company) != 1 or company not in user_companies:
            return None
        in_all_companies = records.with_context(allowed_company_ids=user_companies.ids)
        return company if in_all_companies.has_access(operation) else None


def _refused_register_records(records):
    """The register's records, and the followers that are registrants (a follower is shown by its contact's
    name)."""
    if records._name == "mail.followers":
        records = records.sudo().partner_id
    return records._is_registry_data()

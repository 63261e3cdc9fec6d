from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

DOCUMENT_FIELDS = ("res_model_id", "res_model", "res_id")


class MailActivity(models.Model):
    """An activity shows its document's name (``res_name``, computed as the superuser) to its assignee and to who
    may write it, and marking it done posts on the document as the superuser. Odoo checks the document when the
    activity is created, not when it is moved, nor whether the assignee may read it: an activity moved onto, or
    assigned on, a registrant named her to who may not read her and posted on her chatter."""

    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        if not self.env.su:
            activities._check_assignees_read_documents()
        return activities

    def write(self, vals):
        if not self.env.su:
            self._check_documents_kept(vals)
        result = super().write(vals)
        if "user_id" in vals and not self.env.su:
            self._check_assignees_read_documents()
        return result

    def _check_documents_kept(self, vals):
        """An activity stays on its document (Odoo's views never move one): a move would be checked nowhere."""
        for activity in self.sudo():
            current = {"res_model_id": activity.res_model_id.id, "res_model": activity.res_model}
            current["res_id"] = activity.res_id
            if any(name in vals and vals[name] != current[name] for name in DOCUMENT_FIELDS):
                raise UserError(_("An activity stays on its document: schedule a new activity on the other one."))

    def _check_assignees_read_documents(self):
        for activity in self.sudo():
            document = self.env[activity.res_model].browse(activity.res_id).exists()
            if not document or not document._is_registry_data():
                continue
            assignee = activity.user_id
            as_assignee = document.with_user(assignee).with_context(allowed_company_ids=assignee.company_ids.ids)
            if not as_assignee.has_access("read"):
                raise AccessError(
                    _("%(user)s may not read this record: assign the activity to someone who may.", user=assignee.name)
                )

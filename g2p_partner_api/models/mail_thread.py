from odoo import models


class MailThread(models.AbstractModel):
    """Who follows a record, and to whom a message goes, are contacts the caller names: Odoo checks only the right to
    write the record and finds the contacts as the superuser, so a registrant the caller may not read could be made
    a follower (then named, with its email, to every employee reading followers) or a recipient. Refused as a form
    naming it is (``base._check_registrants_readable``)."""

    _inherit = "mail.thread"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if partner_ids and not self.env.su:
            self._check_registrants_readable(set(partner_ids))
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def message_post(self, **kwargs):
        if kwargs.get("partner_ids") and not self.env.su:
            self._check_registrants_readable(set(kwargs["partner_ids"]))
        return super().message_post(**kwargs)

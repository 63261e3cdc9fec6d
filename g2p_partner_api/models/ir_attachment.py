from odoo import models


class IrAttachment(models.Model):
    """Odoo checks the document an attachment is moved to only when one write names both ``res_model`` and
    ``res_id``: in two writes, a file went onto a record the caller may not write (another company's registrant,
    consent or change request). Each attachment's resulting document is checked, as Odoo checks a new one."""

    _inherit = "ir.attachment"

    def write(self, vals):
        if ("res_model" in vals or "res_id" in vals) and not self.env.su:
            self._check_resulting_documents(vals)
        return super().write(vals)

    def _check_resulting_documents(self, vals):
        resulting = {
            (vals.get("res_model", attachment.res_model), vals.get("res_id", attachment.res_id))
            for attachment in self.sudo()
        }
        for res_model, res_id in resulting:
            self.browse().check("write", values={"res_model": res_model, "res_id": res_id})

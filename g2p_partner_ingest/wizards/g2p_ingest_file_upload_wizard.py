import base64
import io

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.ingest_acceptance import IngestAcceptance
from ..services.ingest_envelope import IngestCall, IngestError

UPLOADER_GROUP = "g2p_partner_api.group_registry_officer"


class G2PIngestFileUploadWizard(models.TransientModel):
    """A CSV or XLSX file a Registry Officer uploads on behalf of a partner (a field team without an
    integration): the partner's data model, column map, idempotency, dry run and per-row status, as for
    POST /partner/ingest_file. No signature: the officer is authenticated and recorded on each item, and the
    four-eyes rule keeps them from approving what they uploaded."""

    _name = "g2p.ingest.file.upload.wizard"
    _description = "Upload a file on behalf of a partner"

    client_id = fields.Many2one(
        "g2p.api.client",
        string="Partner",
        required=True,
        domain=[("scope_ids.code", "=", "ingest:write")],
        help="The partner the rows come from: its items are the partner's, as if it had sent the file",
    )
    data_model_id = fields.Many2one(
        "g2p.ingest.data.model", required=True, domain=[("column_map", "!=", False)], string="Data model"
    )
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()
    check_result = fields.Html(readonly=True, string="What each row would become")

    def _accept(self, dry_run):
        self.ensure_one()
        # any public method is callable over RPC: the group is checked here, not only on the menu
        if not self.env.user.has_group(UPLOADER_GROUP):
            raise AccessError(_("Only Registry Officers upload files on behalf of a partner."))
        env = self.sudo().env
        try:
            return IngestAcceptance(env, IngestCall(path="upload")).accept_upload(
                self.client_id.sudo(),
                self.data_model_id.sudo(),
                io.BytesIO(base64.b64decode(self.file)),
                self.env.user,
                dry_run,
            )
        except IngestError as exc:
            raise UserError(self.env._("%(code)s: %(message)s", code=exc.code, message=exc.message)) from exc

    def action_check(self):
        """Dry run: every check and what each row would become, nothing written."""
        payload = self._accept(dry_run=True)["response_payload"]
        self.check_result = self._result_table(payload)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_upload(self):
        """Store the rows and queue them; opens the received items of the file, one per row."""
        header = self._accept(dry_run=False)["response_header"]
        return {
            "type": "ir.actions.act_window",
            "name": _("Rows of %(file)s", file=self.file_name or _("the file")),
            "res_model": "g2p.ingest.raw",
            "view_mode": "list,form",
            "views": [(self.env.ref("g2p_partner_ingest.view_ingest_raw_file_rows").id, "list"), (False, "form")],
            "domain": [("correlation_id", "=", header["correlation_id"])],
        }

    @staticmethod
    def _result_table(payload):
        if payload.get("duplicate"):
            return Markup("<p>%s</p>") % _("This file was already uploaded for this partner: it would not be again.")
        lines = Markup().join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (item.get("row"), item.get("operation") or item.get("error_code"), item.get("error_message") or "")
            for item in payload["items"]
        )
        head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th></tr>") % (_("Row"), _("Outcome"), _("Problem"))
        return Markup('<table class="table table-sm o_g2p_upload_check">%s%s</table>') % (head, lines)

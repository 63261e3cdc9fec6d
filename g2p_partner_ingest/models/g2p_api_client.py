from odoo import api, fields, models


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    # the unsafe choice is the true value, so a row written without it (SQL, import) stays safe
    ingest_allow_unsigned = fields.Boolean(
        string="Accept unsigned ingest (unsafe)",
        tracking=True,
        help="Off by default: every ingest call of this client must carry a valid JWS bound to its message id and "
        "time. Only a system administrator may switch this on (a test partner, a trusted network).",
    )

    @api.model
    def _safe_settings(self):
        return dict(super()._safe_settings(), ingest_allow_unsigned=False)

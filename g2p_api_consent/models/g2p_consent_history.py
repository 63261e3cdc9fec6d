from odoo import fields, models

EVENTS = [("given", "Given"), ("changed", "Changed"), ("withdrawn", "Withdrawn"), ("expired", "Expired")]


class G2PConsentHistory(models.Model):
    """What happened to a consent, written by the consent itself when it is recorded and when it changes
    (``g2p.consent`` create and write): never edited, answered by ``GET /Consent/{uuid}/history``."""

    _name = "g2p.consent.history"
    _description = "History of a consent"
    _order = "time, id"
    _log_access = False

    consent_id = fields.Many2one("g2p.consent", required=True, readonly=True, index=True, ondelete="cascade")
    event = fields.Selection(EVENTS, required=True, readonly=True)
    time = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    actor = fields.Char(string="By", readonly=True, help="The user or the partner system that made the change")
    note = fields.Char(readonly=True, help="The reason of a withdrawal, or the fields changed")

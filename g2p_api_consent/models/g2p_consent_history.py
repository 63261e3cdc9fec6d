from odoo import api, fields, models
from odoo.tools import SQL

EVENTS = [
    ("recorded", "Recorded before its history was kept"),
    ("given", "Given"),
    ("changed", "Changed"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
]


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

    @api.model
    def _backfill_recorded(self):
        """One ``recorded`` row for each consent that has no history (recorded before this model existed):
        when it was recorded and by whom (the partner system that sent it, else the user), in one
        ``INSERT ... SELECT``. A consent with a history is left as it is: running it again adds nothing.
        Returns the number of rows added."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(history)s (consent_id, event, time, actor)
                SELECT consent.id, 'recorded', COALESCE(consent.create_date, now() AT TIME ZONE 'UTC'),
                       COALESCE(client.name, author.name)
                  FROM %(consent)s consent
             LEFT JOIN %(client)s client ON client.id = consent.source_client_id
             LEFT JOIN res_users creator ON creator.id = consent.create_uid
             LEFT JOIN res_partner author ON author.id = creator.partner_id
                 WHERE NOT EXISTS (SELECT 1 FROM %(history)s kept WHERE kept.consent_id = consent.id)
              ORDER BY consent.id
                """,
                history=SQL.identifier(self._table),
                consent=SQL.identifier(self.env["g2p.consent"]._table),
                client=SQL.identifier(self.env["g2p.api.client"]._table),
            )
        )
        added = self.env.cr.rowcount
        self.env.invalidate_all()
        return added

from odoo import api, fields, models
from odoo.tools import SQL


class G2PRegistrantChange(models.Model):
    """One row per registrant written by a transaction: the change log the pull feed reads
    (``GET /Individual?since=``, ``services/change_feed.py``).

    Each row carries the id of the transaction that wrote it (``txid``, PostgreSQL ``xid8``).
    Transaction ids are handed out when a transaction first writes and are never reused, so the
    feed can tell which writes a snapshot of the database shows and which it does not yet, whatever
    order the transactions commit in (see docs/architecture.md, "Change feed"). The table is
    written in plain SQL, one INSERT per ORM write of registrants, and read by the feed only:
    server code, no user writes it.
    """

    _name = "g2p.registrant.change"
    _description = "Change of a registrant (pull feed log)"
    _auto = False  # the xid8 column has no ORM field type: the table is made by init()
    _log_access = False
    _order = "id"

    partner_id = fields.Many2one("res.partner", string="Registrant", readonly=True)
    changed_at = fields.Datetime(string="Written at", readonly=True)

    def init(self):
        self.env.cr.execute("SELECT to_regclass('g2p_registrant_change') IS NULL")
        new_log = self.env.cr.fetchone()[0]
        self.env.cr.execute(
            """CREATE TABLE IF NOT EXISTS g2p_registrant_change (
                   id bigserial PRIMARY KEY,
                   txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                   partner_id integer NOT NULL REFERENCES res_partner(id) ON DELETE CASCADE,
                   changed_at timestamp NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC')
               );
               -- the feed walks this index in order, from a transaction id on: an index scan at any size
               CREATE INDEX IF NOT EXISTS g2p_registrant_change_txid_id_index ON g2p_registrant_change (txid, id);
               -- where a feed starts from a time (_lastUpdated=gt...), and the cascade of a deleted partner
               CREATE INDEX IF NOT EXISTS g2p_registrant_change_changed_at_index
                   ON g2p_registrant_change (changed_at);
               CREATE INDEX IF NOT EXISTS g2p_registrant_change_partner_id_index
                   ON g2p_registrant_change (partner_id);"""
        )
        if new_log:
            # a register that existed before the log: one change per registrant, so that since=0 is the
            # whole register there too (one statement, in the upgrade's transaction)
            self.env.cr.execute(
                """INSERT INTO g2p_registrant_change (partner_id)
                   SELECT id FROM res_partner WHERE is_registrant ORDER BY id"""
            )

    @api.model
    def _record(self, partner_ids):
        """Log a change of each of ``partner_ids`` (registrant ids) in the current transaction: one INSERT."""
        partner_ids = sorted({pid for pid in partner_ids if pid})
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO g2p_registrant_change (partner_id) SELECT unnest(%s::int[])",
                    partner_ids,
                )
            )

    @api.model
    def _record_registrants(self, partners):
        """Log a change of the registrants among ``partners`` (the others are not in the register)."""
        self._record(partners.filtered("is_registrant").ids)

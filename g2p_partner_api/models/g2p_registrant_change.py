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
    is_group = fields.Boolean(string="Group", readonly=True)
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
               );"""
        )
        self.env.cr.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'g2p_registrant_change' AND column_name = 'is_group'"
        )
        if not self.env.cr.fetchone():
            # the kind of registrant changed, so that each feed (individuals, groups) reads its own changes
            self.env.cr.execute(
                """ALTER TABLE g2p_registrant_change ADD COLUMN is_group boolean NOT NULL DEFAULT false;
                   UPDATE g2p_registrant_change feed SET is_group = true
                     FROM res_partner p WHERE p.id = feed.partner_id AND p.is_group"""
            )
        # the other side of the membership whose change the row is (its group, its member), so that the feed tells
        # it only to a client that reads that side; the rows written before it have none. No foreign key: a
        # registrant deleted since is read by no client, and the change it caused stays untold
        self.env.cr.execute("ALTER TABLE g2p_registrant_change ADD COLUMN IF NOT EXISTS via_partner_id integer")
        self.env.cr.execute(
            """-- each feed walks its kind's changes in order, from a transaction id on: an index scan at any size,
               -- whatever the other kind wrote in between (on (txid, id) alone, a page of groups read past every
               -- individual's change before it: 47 s at 10,000,000 individuals, #27)
               DROP INDEX IF EXISTS g2p_registrant_change_txid_id_index;
               CREATE INDEX IF NOT EXISTS g2p_registrant_change_kind_txid_id_index
                   ON g2p_registrant_change (is_group, txid, id);
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
                """INSERT INTO g2p_registrant_change (partner_id, is_group)
                   SELECT id, COALESCE(is_group, false) FROM res_partner WHERE is_registrant ORDER BY id"""
            )

    @api.model
    def _record_registrants(self, partners):
        """Log a change of the registrants among ``partners`` (the others are not in the register) in the
        current transaction: one INSERT."""
        self._record_changes([(partner, partner.browse()) for partner in partners])

    @api.model
    def _record_changes(self, changes):
        """Log ``changes``, pairs (registrant changed, the registrant whose membership in it is the change, or an
        empty recordset), of the registrants in the register in the current transaction: one INSERT."""
        kinds = {
            (partner.id, via.id or None): bool(partner.is_group)
            for partner, via in changes
            if partner.id and partner.is_registrant
        }
        if kinds:
            rows = sorted(kinds, key=lambda row: (row[0], row[1] or 0))
            self.env.cr.execute(
                SQL(
                    "INSERT INTO g2p_registrant_change (partner_id, via_partner_id, is_group) "
                    "SELECT * FROM unnest(%s::int[], %s::int[], %s::bool[])",
                    [partner_id for partner_id, _via_id in rows],
                    [via_id for _partner_id, via_id in rows],
                    [kinds[row] for row in rows],
                )
            )

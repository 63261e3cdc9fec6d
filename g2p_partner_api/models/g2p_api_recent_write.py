from odoo import api, fields, models

READ_YOUR_WRITES_PARAM = "g2p_partner_api.read_your_writes_seconds"
DEFAULT_READ_YOUR_WRITES_SECONDS = 10


class G2PApiRecentWrite(models.Model):
    """A write call of a client, remembered for a few seconds: while one is recent, the client's
    reads are served by the primary rather than a replica, so it reads its own writes.

    Kept in PostgreSQL so every HTTP worker and node sees it, written in the transaction of the
    write itself (visible exactly when the write is), one row per call (an insert never waits on
    another call of the same client). ``client_id`` is a plain column, as in the rate windows:
    no foreign key lock on the client row."""

    _name = "g2p.api.recent.write"
    _description = "Recent write call of an API client (read-your-writes routing)"
    _log_access = False
    _order = "written_at desc"

    client_id = fields.Integer(required=True, index=True)
    written_at = fields.Datetime(required=True, index=True, help="Start of the write call's transaction (UTC)")

    @api.model
    def _window_seconds(self):
        value = self.env["ir.config_parameter"].sudo().get_param(READ_YOUR_WRITES_PARAM)
        return int(value) if value and value.strip().isdigit() else DEFAULT_READ_YOUR_WRITES_SECONDS

    @api.model
    def _mark(self, client_db_id):
        """Remember a write of the client ``client_db_id`` (in the caller's transaction)."""
        self.env.cr.execute(
            "INSERT INTO g2p_api_recent_write (client_id, written_at) VALUES (%s, now() AT TIME ZONE 'UTC')",
            (client_db_id,),
        )

    @api.model
    def _wrote_recently(self, client_id):
        """Whether the client whose public ``client_id`` is given wrote within the window."""
        self.env.cr.execute(
            """SELECT 1 FROM g2p_api_recent_write w JOIN g2p_api_client c ON c.id = w.client_id
                WHERE c.client_id = %s AND w.written_at > (now() AT TIME ZONE 'UTC') - make_interval(secs => %s)
                LIMIT 1""",
            (client_id, self._window_seconds()),
        )
        return bool(self.env.cr.fetchone())

    @api.autovacuum
    def _gc_old_writes(self):
        self.env.cr.execute(
            """DELETE FROM g2p_api_recent_write
                WHERE written_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => %s)""",
            (max(self._window_seconds(), 3600),),
        )

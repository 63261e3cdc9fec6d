import hashlib
from datetime import UTC, datetime

from psycopg2 import errors

from odoo import api, fields, models


class G2PApiClientAssertion(models.Model):
    """A client assertion (RFC 7523) a client authenticated with at the token endpoint, kept until it expires so
    that it authenticates once only (RFC 7523 §3, jti).

    One row per assertion, written in the transaction of the token request: the unique key makes a second
    request with the same jti wait for the first and be refused once it commits, whatever the worker or node.
    The jti is kept hashed (the partner chose it). ``client_id`` is a plain column, as in the rate windows:
    no foreign key lock on the client row."""

    _name = "g2p.api.client.assertion"
    _description = "Client assertion already used at the token endpoint"
    _log_access = False

    client_id = fields.Integer(required=True)
    jti_hash = fields.Char(required=True, help="SHA-256 of the assertion's jti")
    expires_at = fields.Datetime(required=True, index=True, help="The assertion's exp: its row is purged after it")

    _sql_constraints = [("client_jti_unique", "unique(client_id, jti_hash)", "An assertion authenticates once.")]

    @api.model
    def _use(self, client_db_id, jti, expires_at):
        """Record the assertion ``jti`` of the client ``client_db_id`` (valid until the timestamp ``expires_at``)
        as used; False when it was used already. A row of an assertion that has expired is taken over: the same
        jti in a new assertion is a new assertion, whether the purge ran or not.

        Two workers using the same jti at once: the second waits for the first's row; once that commits, the
        second's INSERT fails (a serialization failure under REPEATABLE READ, or a unique violation) instead of
        arbitrating. The INSERT runs in a savepoint so that failure answers False, like a replay, and leaves the
        caller's transaction usable (for its failure count) rather than surfacing as a 500."""
        expires = datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """INSERT INTO g2p_api_client_assertion (client_id, jti_hash, expires_at) VALUES (%s, %s, %s)
                       ON CONFLICT (client_id, jti_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at
                       WHERE g2p_api_client_assertion.expires_at < (now() AT TIME ZONE 'UTC')
                       RETURNING id""",
                    (client_db_id, hashlib.sha256(str(jti).encode()).hexdigest(), expires),
                    log_exceptions=False,  # a lost race is a refused replay, not a server error
                )
                return bool(self.env.cr.fetchone())
        except (errors.UniqueViolation, errors.SerializationFailure):
            return False

    @api.autovacuum
    def _gc_expired_assertions(self):
        self.env.cr.execute(
            "DELETE FROM g2p_api_client_assertion WHERE expires_at < (now() AT TIME ZONE 'UTC') - interval '1 hour'"
        )

from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools.misc import clean_context

from ..services import partner_jwks, url_guard
from ..services.jwt_service import SignatureInvalid

KEY_CHANGED = "org.g2p.partner_api.client_key_changed"
KEY_SET_FETCHED = "org.g2p.partner_api.client_key_set_fetched"


class G2PApiClientJwk(models.Model):
    """A key of a client's JWK Set, as fetched from its ``jwks_uri``: kept while the set has it, marked removed
    (never deleted: what verified a past message stays on record) once a fetch no longer finds it.

    Written by server code only, in a transaction of its own (the rate windows' cursor): a call whose own
    transaction is rolled back (a refused signature) keeps the record of the fetch it caused."""

    _name = "g2p.api.client.jwk"
    _description = "Key of an API client's JWK Set"
    _order = "removed_at desc, first_seen desc, id desc"
    _rec_name = "kid"

    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, index=True, ondelete="cascade")
    jwks_uri = fields.Char(string="Key set URL", readonly=True)
    kid = fields.Char(string="Key ID (kid)", readonly=True)
    fingerprint = fields.Char(
        string="Fingerprint (SHA-256)", readonly=True, help="SHA-256 of the key's DER SubjectPublicKeyInfo."
    )
    algorithm = fields.Char(readonly=True, help="The key's alg in the set; empty: the algorithms of its type.")
    public_key_pem = fields.Text(string="Public key", readonly=True)
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    removed_at = fields.Datetime(
        string="Removed", readonly=True, help="The first fetch of the set that no longer had the key."
    )

    # --- which key verifies a signature ---------------------------------------------------------
    @api.model
    def _partner_key(self, client, kid):
        """The ``PartnerKey`` of ``client``'s set that ``kid`` names (a signature without kid: the set's only key).

        The set is fetched when its cached copy expired or ``kid`` is not in it, at most once per
        REFRESH_INTERVAL per client whatever the number of workers. Raises SignatureInvalid naming the kid
        when no current key matches: a key removed from the set no longer verifies."""
        if kid is not None and not isinstance(kid, str):
            raise SignatureInvalid("kid must be a string")
        client = client.sudo()
        keys = self._current_keys(client)
        fresh = client.jwks_expires_at and client.jwks_expires_at > fields.Datetime.now()
        if not fresh or not keys or (kid is not None and kid not in keys):
            fetched = self._refresh(client)
            if fetched is not None:
                keys = fetched
        if kid is None:
            if len(keys) == 1:
                return next(iter(keys.values()))
            if not keys:
                raise SignatureInvalid(f"no usable key in the partner's key set {client.jwks_uri}")
            raise SignatureInvalid("kid required: the partner's key set has several keys")
        if kid not in keys:
            raise SignatureInvalid(f"no key kid={kid!r} in the partner's key set {client.jwks_uri}")
        return keys[kid]

    @api.model
    def _current_keys(self, client):
        rows = self.sudo().search_fetch(
            [("client_id", "=", client.id), ("jwks_uri", "=", client.jwks_uri), ("removed_at", "=", False)],
            ["kid", "fingerprint", "algorithm", "public_key_pem"],
        )
        return {
            row.kid or "": partner_jwks.PartnerKey(
                row.public_key_pem, row.fingerprint, (row.algorithm,) if row.algorithm else None, row.kid or ""
            )
            for row in rows
        }

    # --- fetching the set -------------------------------------------------------------------------
    @api.model
    def _refresh(self, client, force=False):
        """Fetch ``client``'s set and record it; its keys by kid, or None when not fetched (another worker or call
        fetched it less than REFRESH_INTERVAL ago, unless ``force``) or when the fetch failed (the cached keys stay).

        The keys are returned rather than read again: the calling transaction's snapshot would not show
        what the fetch's own transaction committed."""
        client = client.sudo()
        uri, now = client.jwks_uri, fields.Datetime.now()
        if not uri or not self._claim_refresh(client, now, force):
            return None
        fetched = partner_jwks.fetch(uri, url_guard.policy(self.env))
        actor = self.env.user.login if force else "key set refresh"
        Windows = self.env["g2p.api.rate.window"]
        with Windows._own_transaction_cursor(test_transaction=True) as cr:
            keys = self.with_env(api.Environment(cr, SUPERUSER_ID, clean_context(self.env.context)))._record_fetch(
                client.id, uri, fetched, now, actor
            )
        self.invalidate_model()
        client.invalidate_recordset(["jwks_expires_at", "jwks_refreshed_at"])
        return keys

    @api.model
    def _claim_refresh(self, client, now, force):
        """Whether this call may fetch the set now: one UPDATE in a transaction of its own, so that of the
        workers that meet an unknown kid at once, one fetches. A row another transaction holds is skipped, never
        waited for (the calling transaction itself may hold it)."""
        with self.env["g2p.api.rate.window"]._counter_cursor(test_transaction=True) as cr:
            cr.execute(
                """UPDATE g2p_api_client SET jwks_refreshed_at = %(now)s
                   WHERE id = (SELECT id FROM g2p_api_client WHERE id = %(id)s FOR UPDATE SKIP LOCKED)
                     AND (%(force)s OR jwks_refreshed_at IS NULL OR jwks_refreshed_at <= %(since)s)
                   RETURNING id""",
                {
                    "id": client.id,
                    "now": now,
                    "force": bool(force),
                    "since": now - timedelta(seconds=partner_jwks.REFRESH_INTERVAL),
                },
            )
            claimed = bool(cr.fetchone())
        client.invalidate_recordset(["jwks_refreshed_at"])
        return claimed

    @api.model
    def _record_fetch(self, client_id, uri, fetched, now, actor):
        """Record one fetch of ``uri`` for the client: its keys' rows, an audit row for the fetch and for each key
        added or removed, and a note in the client's chatter when a key changed or the fetch failed."""
        client = self.env["g2p.api.client"].browse(client_id)
        if client.jwks_uri != uri:  # the URL changed while the set was fetched: its keys are not this client's
            return None
        audit = {
            "source": "odoo",
            "client_id": client.id,
            "actor": actor,
            "resource": f"g2p.api.client/{client.client_id}",
            "status_code": fetched.status_code or 0,
        }
        Audit = self.env["g2p.api.audit.log"]
        if fetched.error:
            Audit._record(
                dict(
                    audit,
                    event_type=KEY_SET_FETCHED,
                    action=f"fetch {uri}",
                    outcome="failure",
                    error_code="key_set_unusable",
                    new_value=fetched.error,
                )
            )
            client._message_log(
                body=self.env._(
                    "Key set fetch of %(uri)s failed: %(error)s. The keys fetched before stay in use.",
                    uri=uri,
                    error=fetched.error,
                )
            )
            return None
        added, removed = self._apply_fetched_keys(client, uri, fetched.keys, now)
        expires = now + timedelta(seconds=fetched.max_age)
        self.env.cr.execute("UPDATE g2p_api_client SET jwks_expires_at = %s WHERE id = %s", (expires, client.id))
        Audit._record(
            dict(
                audit,
                event_type=KEY_SET_FETCHED,
                action=f"fetch {uri}",
                outcome="success",
                new_value=", ".join(_describe(key) for key in fetched.keys.values()),
            )
        )
        for change, keys in (("added", added), ("removed", removed)):
            value_field = "new_value" if change == "added" else "old_value"
            for key in keys:
                Audit._record(
                    dict(audit, event_type=KEY_CHANGED, action=f"key {change}", outcome="success")
                    | {value_field: _describe(key)}
                )
        if added or removed:
            lines = []
            for key in added:
                lines.append(self.env._("Key %(key)s added by fetch of %(uri)s", key=_describe(key), uri=uri))
            for key in removed:
                lines.append(self.env._("Key %(key)s removed by fetch of %(uri)s", key=_describe(key), uri=uri))
            client._message_log(body=Markup("<br/>").join(lines))
        return fetched.keys

    @api.model
    def _apply_fetched_keys(self, client, uri, keys, now):
        """Bring the client's key rows in line with the fetched ``keys``; the keys (PartnerKey) added and removed.
        A kid whose key changed counts as its old key removed and the new one added."""
        current = self.search([("client_id", "=", client.id), ("jwks_uri", "=", uri), ("removed_at", "=", False)])
        by_kid = {row.kid or "": row for row in current}
        added, kept = [], self.browse()
        for kid, key in keys.items():
            row = by_kid.get(kid)
            if row and row.fingerprint == key.fingerprint:
                kept |= row
                continue
            added.append(key)
            self.create(
                {
                    "client_id": client.id,
                    "jwks_uri": uri,
                    "kid": kid,
                    "fingerprint": key.fingerprint,
                    "algorithm": key.algorithms[0] if key.algorithms else False,
                    "public_key_pem": key.pem,
                    "first_seen": now,
                    "last_seen": now,
                }
            )
        kept.write({"last_seen": now})
        gone = current - kept
        removed = [partner_jwks.PartnerKey(row.public_key_pem, row.fingerprint, None, row.kid or "") for row in gone]
        gone.write({"removed_at": now})
        return added, removed


def _describe(key):
    return f"kid={key.kid} (SHA-256 {key.fingerprint})"

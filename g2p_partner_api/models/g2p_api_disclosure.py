from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

CHANNELS = [
    ("rest_read", "REST read"),
    ("rest_write", "REST write answer"),
    ("dci_search", "DCI search"),
    ("dci_callback", "DCI search callback"),
    ("dci_notify", "DCI notification"),
    ("outbound_event", "Outbound event"),
]


class G2PApiDisclosure(models.Model):
    """One registrant's data given to one partner system: which client, when, through which app and
    under which consent or legal basis. Written by server code only, where the data leaves (an API
    answer with its audit row, a delivery sent), one INSERT for all the registrants of a call; kept as
    long as the audit log (``g2p_partner_api.audit_retention_days``)."""

    _name = "g2p.api.disclosure"
    _description = "Disclosure of a registrant's data to a partner system"
    _order = "time desc, id desc"
    _log_access = False

    time = fields.Datetime(required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Registrant", required=True, readonly=True, index=True, ondelete="cascade"
    )
    client_id = fields.Many2one("g2p.api.client", readonly=True, index=True, ondelete="set null")
    # recorded, not related: a client renamed or deleted later does not change who received the data
    recipient = fields.Char(readonly=True, help="The client's name when it received the data")
    channel = fields.Selection(CHANNELS, required=True, readonly=True, help="How the data left the registry")
    scope = fields.Char(string="Data category", readonly=True, help="The scope the data was read under")
    legal_basis = fields.Char(readonly=True, help="The law the client read under without consent, if any")
    audit_log_id = fields.Many2one("g2p.api.audit.log", string="API call", readonly=True, ondelete="set null")
    delivery_id = fields.Many2one("g2p.api.delivery", readonly=True, ondelete="set null")

    @api.model
    def _record(self, client, registrant_ids, channel, scope, audit_log_id=None, delivery_id=None):
        """One row per registrant of ``registrant_ids`` given to ``client`` through ``channel``, in one
        INSERT whatever their number (the API's hot path). The basis is the client's legal basis when it
        reads under one; ``_basis_columns`` lets the consent addon name the consent."""
        self._record_all(client, {(channel, scope): registrant_ids}, audit_log_id, delivery_id)

    @api.model
    def _record_all(self, client, shown, audit_log_id=None, delivery_id=None):
        """``_record`` of every ``{(channel, scope): registrant ids}`` of ``shown`` in one INSERT: an answer that
        shows registrants read under two scopes (a written group, its members) costs no more than a read."""
        query = self._insert_query(client, shown, audit_log_id, delivery_id)
        if query:
            self.env.cr.execute(query)

    @api.model
    def _insert_query(self, client, shown, audit_log_id=None, delivery_id=None):
        """The INSERT of ``_record_all`` (None without registrants); ``audit_log_id`` may be SQL (the id of an
        audit row written by the same statement)."""
        client = client.sudo()
        legal_basis = client._legal_basis_for_read() or None
        audit_log = audit_log_id if isinstance(audit_log_id, SQL) else SQL("%s", audit_log_id)
        rows = []
        for (channel, scope), registrant_ids in shown.items():
            ids = sorted(set(registrant_ids))
            if not ids:
                continue
            columns = {
                "time": SQL("%s", fields.Datetime.now()),
                "partner_id": SQL("disclosed.partner_id"),
                "client_id": SQL("%s", client.id),
                "recipient": SQL("%s", client.name),
                "channel": SQL("%s", channel),
                "scope": SQL("%s", scope),
                "legal_basis": SQL("%s", legal_basis),
                "audit_log_id": audit_log,
                "delivery_id": SQL("%s", delivery_id),
                **self._basis_columns(client, scope, legal_basis),
            }
            rows.append((columns, ids))
        if not rows:
            return None
        names = list(dict.fromkeys(name for columns, _ids in rows for name in columns))
        # typed: a column NULL in every branch of a UNION would otherwise be text
        types = {name: SQL(self._fields[name].column_type[1]) for name in names}
        return SQL(
            "INSERT INTO %s (%s) %s",
            SQL.identifier(self._table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL(" UNION ALL ").join(
                SQL(
                    "SELECT %s FROM unnest(%s::int4[]) AS disclosed(partner_id)",
                    SQL(", ").join(SQL("%s::%s", columns.get(name, SQL("NULL")), types[name]) for name in names),
                    ids,
                )
                for columns, ids in rows
            ),
        )

    @api.model
    def _basis_columns(self, client, scope, legal_basis):
        """{column: SQL value} of the basis of a disclosure to ``client`` under ``scope``; the SQL may
        name ``disclosed.partner_id``, the registrant of the row. Extended by the consent addon."""
        return {}

    @api.model
    def _call_inserts(self, client_id, disclosures, audit_log_id):
        """The INSERTs of the disclosures of an API call (``CallContext.disclosures``), for its audit row
        ``audit_log_id`` (SQL: the audit row and its disclosures are written by one statement)."""
        query = self._insert_query(self.env["g2p.api.client"].browse(client_id), disclosures, audit_log_id)
        return [query] if query else []

    @api.model
    def _purge_older_than(self, days):
        """Disclosures go with the audit rows they belong to, after the same number of days."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE time < %s",
                SQL.identifier(self._table),
                fields.Datetime.now() - timedelta(days=days),
            )
        )
        return self.env.cr.rowcount

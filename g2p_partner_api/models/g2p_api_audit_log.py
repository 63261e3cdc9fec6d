import json
import logging
import uuid
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.tools import SQL, float_round
from odoo.tools.misc import format_datetime

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

FORWARD_URL_PARAM = "g2p_partner_api.audit_forward_url"
RETENTION_DAYS_PARAM = "g2p_partner_api.audit_retention_days"


def place_by_their_calls(cr, table, condition=None):
    """Give the rows of ``table`` (with ``client_id``, ``correlation_id`` and ``company_id``) that have no company
    the company of their call's audit rows (same client and correlation id), when those agree on one: how the
    migrations place what was received before it had a company. ``condition``: SQL on ``placed``, the row to place."""
    cr.execute(
        SQL(
            """UPDATE %s placed SET company_id = by_call.company_id
                 FROM (SELECT client_id, correlation_id, MIN(company_id) AS company_id
                         FROM g2p_api_audit_log
                        WHERE correlation_id IS NOT NULL AND company_id IS NOT NULL
                        GROUP BY client_id, correlation_id
                       HAVING COUNT(DISTINCT company_id) = 1) by_call
                WHERE placed.company_id IS NULL AND by_call.client_id = placed.client_id
                  AND by_call.correlation_id = placed.correlation_id AND %s""",
            SQL.identifier(table),
            condition or SQL("TRUE"),
        )
    )


class G2PApiAuditLog(models.Model):
    """One CloudEvents-shaped row per API call (health probes and docs excluded), one per change of
    what an API client is or may do (its key, identities, scopes, programmes, guarded settings); calls
    refused before the caller was authenticated are counted on one row per app, source address, reason
    and minute."""

    _name = "g2p.api.audit.log"
    _description = "API audit log"
    _order = "time desc, id desc"
    _rec_name = "event_id"
    _log_access = False

    event_id = fields.Char(required=True, readonly=True, index=True, default=lambda self: str(uuid.uuid4()))
    specversion = fields.Char(default="1.0", readonly=True)
    event_type = fields.Char(string="Type", readonly=True, default="org.g2p.partner_api.call")
    source = fields.Char(readonly=True, help="The app that served the call, e.g. /api/v2")
    time = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    client_id = fields.Many2one("g2p.api.client", readonly=True, index=True, ondelete="set null")
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The company of the endpoint that served the call: only its staff see the row. Empty: an event of the "
        "registry itself (a client's settings, its key set, a signing key), every API Manager's; or a call received "
        "before the field whose endpoint could not be found, administrators' only.",
    )
    caller = fields.Char(
        string="Client name",
        compute="_compute_caller",
        help="The client's name; for a caller that was not authenticated, what it gave as its id",
    )
    actor = fields.Char(readonly=True, index=True, help="client_id, DCI sender id or partner mnemonic of the caller")
    action = fields.Char(readonly=True, help="HTTP method and route")
    resource = fields.Char(readonly=True, help="Path of the call")
    outcome = fields.Selection([("success", "Success"), ("failure", "Failure")], readonly=True, index=True)
    status_code = fields.Integer(string="HTTP status", readonly=True)
    error_code = fields.Char(readonly=True)
    correlation_id = fields.Char(readonly=True, index=True)
    reference_ids = fields.Char(readonly=True)
    legal_basis = fields.Char(readonly=True, help="Legal basis invoked instead of consent for this read, if any")
    old_value = fields.Text(
        readonly=True, help="A change of a client's setting: the value before (a key by its fingerprint)"
    )
    new_value = fields.Text(
        readonly=True, help="A change of a client's setting: the value after (a key by its fingerprint)"
    )
    latency_ms = fields.Float(string="Latency (ms)", readonly=True, digits=(16, 1))
    forwarded = fields.Boolean(readonly=True)
    call_count = fields.Integer(
        string="Calls",
        default=1,
        readonly=True,
        help="Refused anonymous calls: how many of the same app, source address and reason this row counts in "
        "its minute. 1 for every other call (each has its own row).",
    )
    source_address = fields.Char(readonly=True, help="Address of the caller (refused anonymous calls)")
    aggregation_key = fields.Char(readonly=True, copy=False, help="app, source address, reason and minute")
    cloudevent_pretty = fields.Text(string="CloudEvent", compute="_compute_cloudevent_pretty")

    _sql_constraints = [
        ("aggregation_key_unique", "unique(aggregation_key)", "One row per app, source, reason and minute."),
    ]

    @api.depends("client_id", "actor")
    def _compute_caller(self):
        for rec in self:
            rec.caller = rec.client_id.sudo().name or rec.actor

    @api.depends("action", "actor", "time")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _(
                "%(action)s by %(actor)s, %(time)s",
                action=rec.action or rec.event_type,
                actor=rec.actor or _("an anonymous caller"),
                time=format_datetime(self.env, rec.time) if rec.time else "",
            )

    @api.depends(
        "event_id",
        "event_type",
        "source",
        "time",
        "actor",
        "action",
        "resource",
        "outcome",
        "status_code",
        "error_code",
        "old_value",
        "new_value",
        "call_count",
    )
    def _compute_cloudevent_pretty(self):
        for rec in self:
            rec.cloudevent_pretty = json.dumps(rec._to_cloudevent(), indent=2, ensure_ascii=False)

    @api.model
    def _record(self, values, disclosures=None):
        """The audit writer every app uses; forwards asynchronously when a URL is configured.

        One row per API call: written with a single INSERT (the row has no computed fields,
        no tracking and no constraints for ``create`` to run), with the defaults ``create``
        would give. ``disclosures``: the ``CallContext.disclosures`` of the call, whose
        ``g2p.api.disclosure`` rows the same statement writes (one round trip for the call's records).
        """
        query = self._insert_query(values)
        inserts = disclosures and self.env["g2p.api.disclosure"]._call_inserts(
            values.get("client_id"), disclosures, SQL("(SELECT id FROM audit_row)")
        )
        if inserts:
            # data-modifying WITH queries all run, once each, whatever the final SELECT reads
            query = SQL(
                "WITH audit_row AS (%s), %s SELECT id FROM audit_row",
                query,
                SQL(", ").join(
                    SQL("%s AS (%s)", SQL.identifier(f"disclosed_{n}"), insert) for n, insert in enumerate(inserts)
                ),
            )
        self.env.cr.execute(query)
        row = self.sudo().browse(self.env.cr.fetchone()[0])
        if self.env["ir.config_parameter"].sudo().get_param(FORWARD_URL_PARAM):
            row.with_delay(channel="root.g2p_audit", description="Forward audit event")._forward()
        return row

    @api.model
    def _record_anonymous_failure(self, values, source_address):
        """Count a call refused before its caller was authenticated on the row of its app, source
        address, reason and minute (created by the first such call, incremented by the next ones).

        An UPSERT on the row's unique key, in a transaction of its own (the rate windows' counter
        cursor): safe across workers, and the row lock lasts one statement, not a whole call.
        Forwarded once the minute is over, with its final count.
        """
        minute = fields.Datetime.now().replace(second=0)
        reason = f"{values.get('status_code')} {values.get('error_code') or ''}".strip()
        key = f"{values.get('source')}|{source_address}|{reason}|{minute.isoformat()}"
        query = self._insert_query(
            dict(values, source_address=source_address, aggregation_key=key, call_count=1),
            SQL(
                "ON CONFLICT (aggregation_key) DO UPDATE SET call_count = %s.call_count + 1",
                SQL.identifier(self._table),
            ),
            returning=SQL("id, xmax = 0"),  # xmax 0: the row was inserted, not updated
        )
        with self.env["g2p.api.rate.window"]._counter_cursor(test_transaction=True) as cr:
            cr.execute(query)
            row_id, created = cr.fetchone()
        row = self.sudo().browse(row_id)
        if created and self.env["ir.config_parameter"].sudo().get_param(FORWARD_URL_PARAM):
            row.with_delay(
                channel="root.g2p_audit",
                description="Forward audit event",
                eta=minute + timedelta(seconds=65),
            )._forward()
        return row

    @api.model
    def _insert_query(self, values, on_conflict=None, returning=None):
        """INSERT … RETURNING id (or ``returning``) of one row: ``values`` and the defaults ``create`` gives."""
        values = dict(
            {"event_type": "org.g2p.partner_api.call"},
            **values,
            event_id=str(uuid.uuid4()),
            specversion="1.0",
            time=fields.Datetime.now(),
        )
        values.setdefault("call_count", 1)
        if values.get("latency_ms") is not None:
            values["latency_ms"] = float_round(values["latency_ms"], precision_digits=1)
        # PostgreSQL text cannot hold NUL: a path or header carrying one must not cost the row
        values = {
            key: value.replace("\x00", "\ufffd") if isinstance(value, str) else value for key, value in values.items()
        }
        return SQL(
            "INSERT INTO %s (%s) VALUES %s %s RETURNING %s",
            SQL.identifier(self._table),
            SQL(", ").join(SQL.identifier(self._fields[key].name) for key in values),
            tuple(values.values()),
            on_conflict or SQL(),
            returning or SQL("id"),
        )

    def _to_cloudevent(self):
        """The row as a CloudEvent; a value the row does not have is JSON null (the ORM reads it as False)."""
        self.ensure_one()
        event = {
            "specversion": self.specversion,
            "id": self.event_id,
            "type": self.event_type,
            "source": self.source or "/",
            "time": fields.Datetime.to_string(self.time) + "Z",
            "datacontenttype": "application/json",
            "data": {
                "actor": self.actor,
                "action": self.action,
                "resource": self.resource,
                "outcome": self.outcome,
                "status_code": self.status_code,
                "error_code": self.error_code,
                "correlation_id": self.correlation_id,
                "reference_ids": self.reference_ids,
                "legal_basis": self.legal_basis,
                "latency_ms": self.latency_ms,
                **(
                    {"old_value": self.old_value, "new_value": self.new_value}
                    if self.old_value or self.new_value
                    else {}
                ),
                "call_count": self.call_count,
                "source_address": self.source_address,
            },
        }
        event["data"] = {key: None if value is False else value for key, value in event["data"].items()}
        return event

    def _forward(self):
        url = self.env["ir.config_parameter"].sudo().get_param(FORWARD_URL_PARAM)
        if not url:
            return "no forward URL configured"
        for row in self:
            try:
                response = requests.post(
                    url,
                    json=row._to_cloudevent(),
                    timeout=10,
                    headers={"Content-Type": "application/cloudevents+json"},
                )
            except requests.RequestException as exc:
                raise RetryableJobError(f"audit service unreachable: {exc}", seconds=60) from exc
            if response.status_code >= 500 or response.status_code in (408, 429):
                raise RetryableJobError(f"audit service answered {response.status_code}", seconds=60)
            response.raise_for_status()
            row.forwarded = True
        return "forwarded"

    @api.model
    def _cron_purge(self):
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_DAYS_PARAM, 365))
        old = self.sudo().search([("time", "<", fields.Datetime.now() - timedelta(days=days))])
        _logger.info("Purging %s audit rows older than %s days", len(old), days)
        old.unlink()
        # what was disclosed to whom is kept as long as the calls that disclosed it
        self.env["g2p.api.disclosure"].sudo()._purge_older_than(days)

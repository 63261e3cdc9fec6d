import json
from contextlib import contextmanager, nullcontext

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from odoo.addons.g2p_partner_api.services.pretty_json import pretty_json
from odoo.addons.g2p_partner_api.services.read_routing import primary_cursor

from ..services import dci_callbacks, dci_checks, dci_envelope, dci_reasons, dci_spec
from ..services.dci_search import SCOPE, search_items_naming

STATUS = [("pdng", "Pending"), ("succ", "Success"), ("rjct", "Rejected")]
# what each item of a transaction records (``item_line``), in the order of the INSERT
ITEM_COLUMNS = ("reference_id", "status", "status_reason_code", "status_reason_message", "reg_type", "total_count")
# action -> the key of a request item's criteria, which names its register type
CRITERIA_KEYS = {"search": "search_criteria", "subscribe": "subscribe_criteria"}
# the items that record a sender's first use of their reference id: not those refused as used before (or
# repeated in their message), nor those without one (recorded as "-"); at most one per sender and reference id
FIRST_USE = SQL(
    "(status_reason_code IS NULL OR status_reason_code NOT IN (%s, %s))",
    dci_checks.DUPLICATE_REFERENCE,
    dci_checks.MISSING_REFERENCE,
)
FIRST_USE_INDEX = "g2p_dci_transaction_item_first_use_unique"


def item_line(action, request_item, answer):
    """What a transaction records of one request item of ``action`` and its ``answer`` (the item's
    search_response or subscribe_response entry, or ``dci_envelope.item_pending``)."""
    criteria = request_item.get(CRITERIA_KEYS.get(action)) if isinstance(request_item, dict) else None
    return {
        "reference_id": answer["reference_id"] or "-",
        "status": answer["status"],
        "status_reason_code": answer.get("status_reason_code"),
        "status_reason_message": answer.get("status_reason_message"),
        "reg_type": criteria.get("reg_type") if isinstance(criteria, dict) else None,
        "total_count": (answer.get("pagination") or {}).get("total_count", 0),
    }


def _column_value(value, integer=False):
    """``value`` as the ORM would store it in a Char (text, NULL for None or False) or Integer column."""
    if integer:
        return int(value or 0)
    return None if value is None or value is False else str(value)


class G2PDciTransaction(models.Model):
    """One DCI message received from a participant and how it was answered (DCI › Transactions)."""

    _name = "g2p.dci.transaction"
    _description = "DCI transaction"
    _order = "id desc"
    _rec_name = "message_id"

    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, ondelete="restrict", index=True)
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        ondelete="restrict",
        default=lambda self: self.env.company,
        help="The company of the endpoint that received the message: only its staff see the transaction and its "
        "items (empty: received before the field, its endpoint unknown; administrators' only).",
    )
    endpoint_id = fields.Many2one(
        "fastapi.endpoint",
        string="Received by",
        readonly=True,
        ondelete="set null",
        help="The DCI endpoint that received the message: what the registry answers later (an asynchronous search, "
        "notifications, each attempt to deliver them) is read as its user, in its company, and no other's.",
    )
    sender_id = fields.Char(readonly=True)
    message_id = fields.Char(required=True, readonly=True, index=True)
    transaction_id = fields.Char(readonly=True, index=True)
    correlation_id = fields.Char(readonly=True, index=True)
    action = fields.Char(readonly=True)
    mode = fields.Selection(
        [("sync", "Synchronous"), ("async", "Asynchronous (callback)")], default="sync", readonly=True
    )
    status = fields.Selection(STATUS, readonly=True)
    total_count = fields.Integer(readonly=True)
    completed_count = fields.Integer(readonly=True)
    callback_url = fields.Char(string="Callback URL", readonly=True)
    request_envelope = fields.Text(
        readonly=True,
        groups="base.group_system",
        help="header and message as received, kept until the asynchronous answer is built",
    )
    request_envelope_pretty = fields.Text(
        string="Request (formatted)", compute="_compute_request_envelope_pretty", groups="base.group_system"
    )
    item_ids = fields.One2many("g2p.dci.transaction.item", "transaction_id", readonly=True)
    error_report = fields.Html(
        string="Problems", compute="_compute_error_report", sanitize=False, help="Why items were refused, in words"
    )
    refused_item_ids = fields.One2many(
        "g2p.dci.transaction.item", compute="_compute_error_report", string="Refused items"
    )
    delivery_ids = fields.One2many("g2p.api.delivery", "dci_transaction_id", string="Callbacks sent", readonly=True)
    subscription_ids = fields.One2many("g2p.dci.subscription", "transaction_id", string="Subscriptions", readonly=True)

    _sql_constraints = [
        ("message_unique", "unique(client_id, message_id)", "This message id was already used by this sender.")
    ]

    @api.depends("action", "sender_id", "create_date")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _(
                "%(action)s from %(sender)s, %(date)s",
                action=(rec.action or _("message")).replace("_", " ").capitalize(),
                sender=rec.sender_id or rec.client_id.sudo().name,
                date=format_datetime(self.env, rec.create_date) if rec.create_date else "",
            )

    @api.depends("item_ids.status", "item_ids.status_reason_code")
    def _compute_error_report(self):
        for rec in self:
            rec.error_report = dci_reasons.report_html(self.env, rec.item_ids)
            rec.refused_item_ids = rec.item_ids.filtered(lambda i: i.status == "rjct")

    @api.depends("request_envelope")
    def _compute_request_envelope_pretty(self):
        for rec in self:
            rec.request_envelope_pretty = pretty_json(rec.request_envelope)

    @api.model
    def _record(
        self, client, body, correlation_id, answers=None, if_new=False, references=None, endpoint_id=None, **values
    ):
        """The transaction of ``client``'s envelope ``body`` (its request parsed), answered under
        ``correlation_id``: ``answers`` are the entries of its request items in order (the status and
        counts follow from them), ``values`` any other field (``status``, ``mode``, ``callback_url`` …).
        ``if_new``: a message id ``client`` already used (committed, or by a call still running, which
        the INSERT waits for) records nothing and returns no transaction, rather than raising; the
        INSERT is then the message's replay check. ``references``: reference ids ``client`` may not have
        used in an earlier item (``dci_checks.fresh_references``); when some were, nothing is recorded
        and ``dci_checks.ReferencesUsed`` names them: the INSERT is then the items' replay check, as
        ``dci_checks.duplicate_references`` would have searched them in the same snapshot, and for a
        call of the sender running at the same time the unique index of first uses is
        (``_references_judged``).
        ``endpoint_id``: the endpoint that received the call (``CallContext.endpoint_id``).

        Every call of the DCI API records one, most with up to a hundred items: the transaction and
        its items are written by one statement (nothing computes from these rows; the database checks
        the message id's uniqueness). A synchronous search may be served by a read replica: its
        transaction goes to the primary.
        """
        header = body.header
        columns = {
            "client_id": client.id,
            # the call's company: the middleware gives a DCI call its endpoint's, never a value of what was sent
            "company_id": self.env.company.id,
            "endpoint_id": endpoint_id,
            "sender_id": header.sender_id,
            "message_id": header.message_id,
            "transaction_id": body.message.transaction_id,
            "correlation_id": correlation_id,
            "action": header.action,
            "mode": "sync",
            "total_count": header.total_count,
        }
        lines = []
        if answers is not None:
            columns["status"], columns["completed_count"] = dci_envelope.answers_status(answers)
            lines = self._item_lines(header.action, dci_spec.request_items(header.action, body.message), answers)
        columns.update(values)
        with primary_cursor(self.env) as cr, self._references_judged(cr, client, references or (), "dci_record"):
            cr.execute(
                SQL(
                    """SAVEPOINT dci_record;
                       WITH used AS (%s), txn AS (
                           INSERT INTO g2p_dci_transaction (%s, create_uid, create_date, write_uid, write_date)
                           SELECT %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC'
                            WHERE NOT EXISTS (SELECT FROM used)
                           %s
                           RETURNING id, client_id, company_id
                       ), items AS (%s)
                       SELECT (SELECT id FROM txn), ARRAY(SELECT reference_id FROM used)""",
                    self._used_references_query(client, references or ()),
                    SQL(", ").join(SQL.identifier(name) for name in columns),
                    # typed: a SELECT's values are not typed by the columns they go to as a VALUES row's are
                    SQL(", ").join(
                        SQL(
                            f"%s::{self._fields[name].column_type[1]}",
                            self._fields[name].convert_to_column_insert(value, self),
                        )
                        for name, value in columns.items()
                    ),
                    self.env.uid,
                    self.env.uid,
                    SQL("ON CONFLICT (client_id, message_id) DO NOTHING" if if_new else ""),
                    self._items_insert(SQL("txn"), lines),
                ),
                log_exceptions=False,  # a reference id a racing call recorded first is answered, not a server error
            )
            transaction_id, used = cr.fetchone()
        if used:
            raise dci_checks.ReferencesUsed(set(used))
        return self.browse(transaction_id or ())

    @api.model
    def _used_references_query(self, client, references):
        """The SELECT of the ``references`` ``client`` used in an earlier item: a range of the unique index
        of their first uses (``g2p.dci.transaction.item``), whose predicate it repeats."""
        return SQL(
            "SELECT DISTINCT reference_id FROM g2p_dci_transaction_item"
            " WHERE client_id = %s AND reference_id = ANY(%s::varchar[]) AND %s",
            client.id,
            sorted(set(references)),
            FIRST_USE,
        )

    @contextmanager
    def _references_judged(self, cr, client, references, savepoint):
        """The INSERT of items run in the block (on ``cr``, after ``SAVEPOINT <savepoint>``) recording a
        first use of some of ``references`` by ``client`` is judged by the unique index of first uses: when
        a call of the same sender running at the same time recorded one first, this transaction's snapshot
        (REPEATABLE READ) could not see it, but the INSERT waits for that call and fails once it commits.
        Nothing of the block is kept then, and ``dci_checks.ReferencesUsed`` names the references that call
        used, as when they were used by an earlier call."""
        try:
            yield
        except psycopg2.errors.UniqueViolation as exc:
            if exc.diag.constraint_name != FIRST_USE_INDEX:
                raise
            cr.execute(SQL("ROLLBACK TO SAVEPOINT %s", SQL.identifier(savepoint)))
            used = self._references_used(client, references, now=True)
            if not used:  # the other call's item is gone already: this call may be sent again
                raise
            raise dci_checks.ReferencesUsed(used) from exc

    @api.model
    def _references_used(self, client, references, now=False):
        """Which of ``references`` ``client`` used in an earlier item. ``now``: as committed now, asked in a
        transaction of its own, which sees what a racing call committed after this one's snapshot was taken."""
        registry = self.env.registry
        # under browser tests every cursor is the test's one transaction, which sees all there is
        fresh = now and not registry.in_test_mode()
        with registry.cursor() if fresh else nullcontext(self.env.cr) as cr:
            cr.execute(self._used_references_query(client, references))
            return {reference for (reference,) in cr.fetchall()}

    @api.model
    def _item_lines(self, action, request_items, answers):
        return [item_line(action, item, answer) for item, answer in zip(request_items, answers, strict=True)]

    def _items_insert(self, transaction, lines):
        """The INSERT of the item ``lines`` (``item_line``) of ``transaction``, an SQL source of its
        ``id``, ``client_id`` and ``company_id``, in order."""
        return SQL(
            """INSERT INTO g2p_dci_transaction_item
                   (transaction_id, client_id, company_id, create_uid, create_date, write_uid, write_date,
                    reference_id, status, status_reason_code, status_reason_message, reg_type, total_count)
               SELECT txn.id, txn.client_id, txn.company_id, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC',
                      item.reference_id, item.status, item.status_reason_code, item.status_reason_message,
                      item.reg_type, item.total_count
                 FROM %s AS txn,
                      unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::int4[])
                      WITH ORDINALITY AS item(reference_id, status, status_reason_code, status_reason_message,
                                              reg_type, total_count, position)
                ORDER BY item.position""",
            self.env.uid,
            self.env.uid,
            transaction,
            *([_column_value(line.get(column), column == "total_count") for line in lines] for column in ITEM_COLUMNS),
        )

    def _add_answers(self, answers, request_items):
        """Record the answers to the request items of this transaction, in order, in one INSERT. When a
        call of the sender running at the same time recorded one of their reference ids first, nothing is
        recorded and ``dci_checks.ReferencesUsed`` names every reference id of the answers the sender used
        (``_references_judged``)."""
        self.ensure_one()
        lines = self._item_lines(self.action, request_items, answers)
        source = SQL(
            "(SELECT %s AS id, %s AS client_id, %s::int4 AS company_id)",
            self.id,
            self.client_id.id,
            self.company_id.id or None,
        )
        references = [line["reference_id"] for line in lines]
        cr = self.env.cr
        with self._references_judged(cr, self.client_id, references, "dci_answers"):
            cr.execute(SQL("SAVEPOINT dci_answers; %s", self._items_insert(source, lines)), log_exceptions=False)
        self.invalidate_recordset(["item_ids"])

    def _completed(self, answers, request_items):
        """This pending transaction answered: its status and counts, its items recorded."""
        status, completed_count = dci_envelope.answers_status(answers)
        self.write({"status": status, "completed_count": completed_count})
        self._add_answers(answers, request_items)
        return status

    def _reader_env(self):
        """The environment what the registry answers later for this transaction is read in: the user of the DCI
        endpoint that received it, in the transaction's company (``fastapi.endpoint._dci_reader_env``); None
        when that endpoint is unknown, no longer active or works for another company. Empty: None."""
        transaction = self.sudo()[:1]
        return self.env["fastapi.endpoint"]._dci_reader_env(transaction.endpoint_id, transaction.company_id)

    def _enqueue_search(self):
        self.ensure_one()
        self.with_delay(
            channel="root.g2p_dci",
            identity_key=f"g2p_dci_search:{self.id}",
            description=f"DCI search {self.message_id} from {self.sender_id}",
        )._run_search()

    def _run_search(self):
        """Answer an asynchronous search: run each pending item, then send on-search to the sender."""
        self.ensure_one()
        if self.status != "pdng":
            return f"already {self.status}"
        # searched as the synchronous search is (the user and company of the DCI endpoint that received it), not as
        # this job's superuser nor as another endpoint
        reader = self._reader_env()
        if reader is None:
            return "not answered yet: the DCI endpoint that received it is not active in its company"
        envelope = json.loads(self.sudo().request_envelope)
        client = self.client_id
        results = []
        items = list(zip(envelope["message"]["search_request"], self.item_ids.sorted("id"), strict=True))
        responses, named = search_items_naming(reader, client, [item for item, line in items if line.status == "pdng"])
        answers = iter(responses)
        for _item, line in items:
            if line.status == "pdng":
                result = next(answers)
                line.write(
                    {
                        "status": result["status"],
                        "status_reason_code": result.get("status_reason_code"),
                        "total_count": (result.get("pagination") or {}).get("total_count", 0),
                    }
                )
            else:
                result = dci_envelope.item_rejected(
                    line.reference_id, line.status_reason_code, line.status_reason_message
                )
            results.append(result)
        succeeded = sum(r["status"] == "succ" for r in results)
        status = "succ" if succeeded else "rjct"
        self.write({"status": status, "completed_count": succeeded})
        header = dci_envelope.response_header(
            envelope["header"], "on-search", status, len(results), succeeded, dci_envelope.registry_id(self.env)
        )
        message = {
            "transaction_id": self.transaction_id,
            "correlation_id": self.correlation_id,
            "search_response": results,
        }
        dci_callbacks.deliver(
            client,
            self.callback_url,
            "on-search",
            dci_envelope.signed(self.env, header, message),
            self,
            registrants=named,
            scope=SCOPE,
        )
        self.sudo().request_envelope = False  # the query is not kept once answered
        return f"{succeeded}/{len(results)} items answered"

import json

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from odoo.addons.g2p_partner_api.services.pretty_json import pretty_json

from ..services import dci_callbacks, dci_envelope, dci_reasons
from ..services.dci_search import SCOPE, search_items_naming

STATUS = [("pdng", "Pending"), ("succ", "Success"), ("rjct", "Rejected")]
# what each item of a transaction records (``_add_items``), in the order of the INSERT
ITEM_COLUMNS = ("reference_id", "status", "status_reason_code", "status_reason_message", "reg_type", "total_count")


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
    def _envelope_values(self, client, body, correlation_id):
        """What a transaction records of the envelope (``body``) it answers."""
        return {
            "client_id": client.id,
            "sender_id": body.header.sender_id,
            "message_id": body.header.message_id,
            "transaction_id": body.message.transaction_id,
            "correlation_id": correlation_id,
            "action": body.header.action,
        }

    def _add_items(self, items):
        """Record the items of this transaction, in order, in one INSERT: dicts of ``ITEM_COLUMNS``.

        A batch carries up to hundreds of items; through the ORM each would be a record created
        in Python, then updated for its stored ``client_id``. Nothing computes from these rows.
        """
        self.ensure_one()
        if not items:
            return
        now, uid = self.env.cr.now(), self.env.uid
        self.env.cr.execute(
            SQL(
                """INSERT INTO g2p_dci_transaction_item
                       (transaction_id, client_id, create_uid, create_date, write_uid, write_date,
                        reference_id, status, status_reason_code, status_reason_message, reg_type, total_count)
                   SELECT %s, %s, %s, %s, %s, %s,
                          item.reference_id, item.status, item.status_reason_code, item.status_reason_message,
                          item.reg_type, item.total_count
                     FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::int4[])
                          WITH ORDINALITY AS item(reference_id, status, status_reason_code, status_reason_message,
                                                  reg_type, total_count, position)
                    ORDER BY item.position""",
                self.id,
                self.client_id.id,
                uid,
                now,
                uid,
                now,
                *(
                    [_column_value(item.get(column), column == "total_count") for item in items]
                    for column in ITEM_COLUMNS
                ),
            )
        )
        self.invalidate_recordset(["item_ids"])

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
        envelope = json.loads(self.sudo().request_envelope)
        client = self.client_id
        results = []
        items = list(zip(envelope["message"]["search_request"], self.item_ids.sorted("id"), strict=True))
        responses, named = search_items_naming(
            self.env, client, [item for item, line in items if line.status == "pdng"]
        )
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


class G2PDciTransactionItem(models.Model):
    _name = "g2p.dci.transaction.item"
    _description = "DCI transaction item"
    _order = "transaction_id, id"
    _rec_name = "reference_id"

    transaction_id = fields.Many2one("g2p.dci.transaction", required=True, ondelete="cascade", index=True)
    client_id = fields.Many2one(related="transaction_id.client_id", store=True, index=True)
    reference_id = fields.Char(required=True, index=True)
    reg_type = fields.Char()
    status = fields.Selection(STATUS)
    status_reason_code = fields.Char()
    status_reason_message = fields.Char(string="Technical reason")
    total_count = fields.Integer()
    reason = fields.Char(string="Why refused", compute="_compute_reason", help="The status reason, in words")

    @api.depends("status", "status_reason_code")
    def _compute_reason(self):
        reasons = dci_reasons.item_reasons(self.env, self)
        for rec in self:
            rec.reason = reasons[rec][0] if rec in reasons else False

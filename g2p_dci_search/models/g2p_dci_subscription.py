import json
import logging
import uuid

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from odoo.addons.g2p_partner_api.services.pretty_json import pretty_json
from odoo.addons.g2p_partner_api.services.registry_service import reads_any
from odoo.addons.g2p_partner_api.services.templates import TemplateRenderError

from ..services import dci_callbacks, dci_envelope, dci_records
from ..services.dci_problem import DciProblem
from ..services.dci_query import DciQuery, DciQueryError
from ..services.dci_search import SCOPE, query_domain, resolve_register, wire_record

_logger = logging.getLogger(__name__)

# reg_event_type values a participant can subscribe to, and the registry events that raise them
EVENT_CODES = [
    ("REGISTER", "New registrant"),
    ("NewHouseHoldMember", "New household member"),
    ("UPDATE", "Registrant updated"),
]
NOTIFY_SCOPES = {SCOPE, "dci:subscribe"}
# the notify_event data.reg_event_type enum of the spec has no update value: updates leave it out
NOTIFY_EVENT_TYPES = {"REGISTER", "NewHouseHoldMember"}
MAX_ACTIVE_PARAM = "g2p_dci_search.max_active_subscriptions"
SUBSCRIBE_SCOPE = "dci:subscribe"


class SubscribeItemRejected(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def event_code(reg_event_type):
    """REGISTER / NewHouseHoldMember / UPDATE from a bare or namespaced value
    (``spdci:common:RegistryEventType:NewHouseHoldMember``), else None."""
    if not isinstance(reg_event_type, str):
        return None
    name = reg_event_type.rsplit(":", 1)[-1].lower()
    return next((code for code, _label in EVENT_CODES if code.lower() == name), None)


class G2PDciSubscription(models.Model):
    """A DCI participant's standing request to be notified of registry events (DCI › Subscriptions)."""

    _name = "g2p.dci.subscription"
    _inherit = ["g2p.cache.clearing.mixin"]
    _description = "DCI event subscription"
    _order = "id desc"
    _rec_name = "code"

    code = fields.Char(
        required=True,
        readonly=True,
        index=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
        help="subscription code given to the participant (unsubscribe, notifications)",
    )
    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, ondelete="cascade", index=True)
    transaction_id = fields.Many2one("g2p.dci.transaction", readonly=True, ondelete="set null")
    reference_id = fields.Char(readonly=True)
    register_id = fields.Many2one("g2p.dci.register", required=True, readonly=True, ondelete="restrict")
    reg_event_type = fields.Char(required=True, readonly=True, help="as the participant sent it")
    event_code = fields.Selection(EVENT_CODES, required=True, readonly=True, index=True)
    filter_type = fields.Char(readonly=True)
    filter_json = fields.Text(string="Filter", readonly=True)
    filter_pretty = fields.Text(string="Filter (formatted)", compute="_compute_filter_pretty")
    notify_record_type = fields.Char(readonly=True)
    frequency = fields.Char(readonly=True, help="cron expression the participant asked for (informative)")
    start_time = fields.Datetime(readonly=True)
    end_time = fields.Datetime(readonly=True)
    locale = fields.Char(readonly=True)
    state = fields.Selection(
        [("subscribe", "Subscribed"), ("unsubscribe", "Unsubscribed")],
        default="subscribe",
        required=True,
        readonly=True,
        index=True,
    )
    unsubscribed_date = fields.Datetime(readonly=True)
    delivery_ids = fields.One2many(
        "g2p.api.delivery", "dci_subscription_id", string="Notifications sent", readonly=True
    )

    _sql_constraints = [("code_unique", "unique(code)", "Subscription codes are unique.")]

    def write(self, vals):
        # the participant's request as it sent it, and its state: staff end it with Unsubscribe, never edit it
        # (a changed client, register or filter would send notifications nobody asked for)
        if not self.env.su:
            raise AccessError(
                _("A DCI subscription is written by the registry only: %(fields)s", fields=", ".join(sorted(vals)))
            )
        return super().write(vals)

    @api.depends("event_code", "register_id.reg_type", "client_id.name")
    def _compute_display_name(self):
        labels = dict(self._fields["event_code"]._description_selection(self.env))
        for rec in self:
            rec.display_name = _(
                "%(event)s in %(register)s for %(client)s",
                event=labels.get(rec.event_code, rec.event_code or "?"),
                register=rec.register_id.sudo().reg_type,
                client=rec.client_id.sudo().name,
            )

    @api.depends("filter_json")
    def _compute_filter_pretty(self):
        for rec in self:
            rec.filter_pretty = pretty_json(rec.filter_json)

    # --- subscribe / unsubscribe ------------------------------------------------------------
    @api.model
    def _subscribe_item(self, client, item, transaction, rejection=None):
        """One subscribe_response entry for one subscribe_request entry (a bad item rejects only itself)."""
        reference_id = item.get("reference_id") if isinstance(item, dict) else None
        response = {"reference_id": str(reference_id or ""), "timestamp": dci_envelope.now_iso()}
        try:
            if rejection:
                raise SubscribeItemRejected(rejection.code, rejection.message)
            subscription = self._create_from_item(client, item, transaction)
        except SubscribeItemRejected as exc:
            response.update(status="rjct", status_reason_code=exc.code, status_reason_message=str(exc)[:999])
        else:
            response.update(status="succ", subscriptions=[subscription._to_info()])
        if isinstance(item, dict) and item.get("locale"):
            response["locale"] = dci_records.spec_locale(item["locale"])
        return response

    @api.model
    def _create_from_item(self, client, item, transaction):
        if dci_envelope.parse_ts(item.get("timestamp")) is None:
            raise SubscribeItemRejected("rjct.timestamp.invalid", "timestamp must be an ISO 8601 date-time")
        criteria = item.get("subscribe_criteria")
        if not isinstance(criteria, dict):
            raise SubscribeItemRejected("rjct.notify_details.invalid", "subscribe_criteria is required")
        code = event_code(criteria.get("reg_event_type"))
        register = self._register_of(criteria, code)
        if not code or (code == "NewHouseHoldMember" and register.target != "group"):
            raise SubscribeItemRejected(
                "rjct.notify_types.invalid",
                f"reg_event_type {criteria.get('reg_event_type')!r} is not available on "
                f"{register.reg_type} (REGISTER, UPDATE; NewHouseHoldMember on households)",
            )
        filter_type = criteria.get("filter_type") or "expression"
        try:
            query_domain(DciQuery(register, client), filter_type, criteria.get("filter"))
        except DciQueryError as exc:
            raise SubscribeItemRejected("rjct.notify_details.invalid", f"filter: {exc}") from exc
        window = self._window(criteria.get("frequency"))
        filter_json = json.dumps(criteria.get("filter"), sort_keys=True)
        self._check_subscription_limit(client)
        same = self.sudo().search(
            self._of_client_here(client)
            + [
                ("register_id", "=", register.id),
                ("event_code", "=", code),
                ("filter_type", "=", filter_type),
                ("filter_json", "=", filter_json),
                ("state", "=", "subscribe"),
            ],
            limit=1,
        )
        if same:
            raise SubscribeItemRejected(
                "rjct.event.already_subscribed", f"this event and filter are already subscribed (code {same.code})"
            )
        return self.sudo().create(
            dict(
                window,
                **{
                    "client_id": client.id,
                    "transaction_id": transaction.id,
                    "reference_id": str(item["reference_id"]),
                    "register_id": register.id,
                    "reg_event_type": criteria["reg_event_type"],
                    "event_code": code,
                    "filter_type": filter_type,
                    "filter_json": filter_json,
                    "notify_record_type": criteria.get("notify_record_type") or register.reg_record_type,
                    "locale": dci_records.spec_locale(item.get("locale")) or False,
                },
            )
        )

    @api.model
    def _check_subscription_limit(self, client):
        limit = int(self.env["ir.config_parameter"].sudo().get_param(MAX_ACTIVE_PARAM, 100))
        active = self.sudo().search_count([("client_id", "=", client.id), ("state", "=", "subscribe")])
        if active >= limit:
            # the spec's subscribe reason codes have no limit code: the details asked for are refused
            raise SubscribeItemRejected(
                "rjct.notify_details.invalid",
                f"subscription limit reached: {limit} active subscriptions per participant (unsubscribe some first)",
            )

    @api.model
    def _register_of(self, criteria, code):
        """The register a subscribe_criteria addresses (reg_type optional, as for search; a
        NewHouseHoldMember event without one means households)."""
        criteria = {
            "reg_type": criteria.get("reg_type"),
            "query": criteria.get("filter"),
            "query_type": criteria.get("filter_type"),
            "response_entity": "Group" if code == "NewHouseHoldMember" else None,
            "reg_record_type": criteria.get("notify_record_type"),
        }
        try:
            return resolve_register(self.env, criteria)
        except DciQueryError as exc:
            try:
                register = resolve_register(self.env, dict(criteria, reg_record_type=None))
            except DciQueryError:
                raise SubscribeItemRejected("rjct.notify_types.invalid", str(exc)) from exc
            raise SubscribeItemRejected(
                "rjct.notify_details.invalid",
                f"notify_record_type of {register.reg_type} is {register.reg_record_type}",
            ) from exc

    @api.model
    def _window(self, frequency):
        if not frequency:
            return {}
        start, end = (
            dci_envelope.parse_ts(frequency.get(key)) if isinstance(frequency, dict) else None
            for key in ("start_time", "end_time")
        )
        if not start or not end or end < start or not isinstance(frequency.get("frequency"), str):
            raise SubscribeItemRejected(
                "rjct.notify_details.invalid", "frequency needs start_time <= end_time (ISO 8601) and a cron expression"
            )
        return {
            "start_time": start.replace(tzinfo=None),
            "end_time": end.replace(tzinfo=None),
            "frequency": frequency["frequency"],
        }

    def _to_info(self):
        """The spec's SubscriptionInfo."""
        self.ensure_one()
        info = {
            "version": "1.0.0",
            "code": self.code,
            "status": self.state,
            "timestamp": self.create_date.isoformat() + "Z",
            "reg_type": self.register_id.reg_type,
            "reg_event_type": self.reg_event_type,
            "filter_type": self.filter_type,
            "filter": json.loads(self.filter_json),
            "notify_record_type": self.notify_record_type,
        }
        if self.frequency:
            info["frequency"] = {
                "start_time": self.start_time.isoformat() + "Z",
                "end_time": self.end_time.isoformat() + "Z",
                "frequency": self.frequency,
            }
        if self.locale:
            info["locale"] = self.locale
        return info

    @api.model
    def _of_client_here(self, client):
        """The domain of ``client``'s subscriptions made through an endpoint of the company of the one called (the
        call's ``env.company``, as txn-status): another company's subscription, its code and its state are not this
        one's to end nor to tell, its staff read the callback. One of no known company is ended by staff only."""
        return [("client_id", "=", client.id), ("transaction_id.company_id", "=", self.env.company.id)]

    @api.model
    def _unsubscribe_codes(self, client, codes):
        """(status, DciProblem or None, subscriptions): all codes or none are unsubscribed. A code of another
        company's subscription is answered exactly as an unknown one."""
        subscriptions = self.sudo().search(self._of_client_here(client) + [("code", "in", codes)])
        unknown = sorted(set(codes) - set(subscriptions.mapped("code")))
        if unknown:
            problem = DciProblem("rjct.subscription_code.invalid", f"unknown subscription codes: {', '.join(unknown)}")
            return "rjct", problem, self
        ended = subscriptions.filtered(lambda s: s.state == "unsubscribe")
        if ended:
            problem = DciProblem(
                "rjct.event.already_unsubscribed", f"already unsubscribed: {', '.join(ended.mapped('code'))}"
            )
            return "rjct", problem, self
        subscriptions._unsubscribe()
        return "succ", None, subscriptions

    def _unsubscribe(self):
        self.sudo().write({"state": "unsubscribe", "unsubscribed_date": fields.Datetime.now()})

    def action_unsubscribe(self):
        # _unsubscribe writes with sudo(): the caller's right to end subscriptions is checked first
        self.check_access("write")
        if self.filtered(lambda s: s.state != "subscribe"):
            raise UserError(_("Only active subscriptions can be ended."))
        self._unsubscribe()
        return True

    # --- notifications ------------------------------------------------------------------------
    @api.model
    @tools.ormcache()
    def _active_ids(self):
        """Subscriptions in force (cached: asked at every registry change, changed rarely)."""
        return tuple(self.sudo().search([("state", "=", "subscribe")]).ids)

    @api.model
    def _notify_registry_events(self, events):
        """Send /registry/notify for each subscription a registry event matches (called at pre-commit)."""
        # a client deactivated or no longer holding the scopes of the subscription is not notified
        subscriptions = (
            self.sudo()
            .browse(self._active_ids())
            .filtered(lambda s: s.client_id.active and NOTIFY_SCOPES <= s.client_id._scope_codes())
        )
        # what a notification names is read as a synchronous search reads it: the record rules of the DCI endpoint
        # that received the subscription apply (a subscription whose endpoint is unknown or inactive is not notified)
        readers = {subscription: subscription.transaction_id._reader_env() for subscription in subscriptions}
        subscriptions = subscriptions.filtered(lambda subscription: readers[subscription] is not None)
        if not subscriptions:
            return
        for event in events:
            record = self.env[event["model"]].browse(event["id"]).exists()
            code, registrant = self._event_of(event, record) if record else (None, None)
            if not code:
                continue
            members = self._members_of_event(event, record)
            target = "group" if registrant.is_group else "individual"
            for subscription in subscriptions:
                if subscription.event_code != code or subscription.register_id.target != target:
                    continue
                as_read = registrant.with_env(readers[subscription])
                if not subscription._matches(as_read):
                    continue
                if members is not None and not reads_any(
                    subscription.client_id, members.with_env(readers[subscription]), SCOPE
                ):
                    continue  # someone it may not read joined or left a household it reads: not its to know
                try:
                    subscription._send_notify(as_read)
                except (dci_callbacks.CallbackUrlInvalid, TemplateRenderError):
                    # a partner misconfiguration must not undo the registry change that raised the event
                    _logger.exception("DCI notification of subscription %s not sent", subscription.code)

    @api.model
    def _event_of(self, event, record):
        operation = event.get("operation")
        if record._name == "res.partner" and operation in ("created", "updated"):
            return ("REGISTER" if operation == "created" else "UPDATE"), record
        if record._name == "g2p.group.membership" and operation == "created":
            return "NewHouseHoldMember", record.group_id
        return None, None

    @api.model
    def _members_of_event(self, event, record):
        """The individuals whose memberships are all that the event of a household is about (who joined it, whose
        memberships alone changed: ``g2p.api.event.emitter._g2p_members_changed``), of whom a participant must read
        one to be told of it; None for any other event."""
        if record._name == "g2p.group.membership":
            return record.individual_id
        if event.get("member_ids") is None:
            return None
        return self.env["res.partner"].browse(event["member_ids"])

    def _matches(self, registrant):
        """The record passes the filter, the time window, and the participant may read it: consent, and the record
        rules of ``registrant``'s environment (the DCI endpoint's that received the subscription,
        ``g2p.dci.transaction._reader_env``)."""
        self.ensure_one()
        now = fields.Datetime.now()
        if (self.start_time and now < self.start_time) or (self.end_time and now > self.end_time):
            return False
        try:
            domain = query_domain(
                DciQuery(self.register_id, self.client_id), self.filter_type, json.loads(self.filter_json)
            )
        except DciQueryError:
            return False
        domain = (
            self.register_id._base_domain()
            + domain
            + self.client_id._readable_registrant_domain(SCOPE)
            + [("id", "=", registrant.id)]
        )
        return bool(registrant.env["res.partner"].search_count(domain))

    def _send_notify(self, registrant):
        self.ensure_one()
        client = self.client_id
        record, named = wire_record(self.register_id, client, registrant)
        data = {
            "version": "1.0.0",
            "reg_type": self.register_id.reg_type,
            "reg_record_type": self.register_id.reg_record_type,
            "reg_records": record,
        }
        if self.event_code in NOTIFY_EVENT_TYPES:
            data["reg_event_type"] = self.event_code
        event = {"reference_id": self.code, "timestamp": dci_envelope.now_iso(), "data": data}
        if self.locale:
            event["locale"] = self.locale
        header = dci_envelope.response_header(
            {"sender_id": client.dci_sender_id}, "notify", "succ", 1, 1, dci_envelope.registry_id(self.env)
        )
        message = {"transaction_id": self.transaction_id.transaction_id or self.code, "notify_event": [event]}
        url = dci_callbacks.callback_url(client, None, "/registry/notify")
        return dci_callbacks.deliver(
            client,
            url,
            "notify",
            dci_envelope.signed(self.env, header, message),
            subscription=self,
            registrants=named,
            scope=SCOPE,
        )

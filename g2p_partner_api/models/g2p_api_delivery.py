import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services import outbound_delivery, registry_service, url_guard
from ..services.caller_defaults import with_caller_defaults, without_caller_defaults
from ..services.pretty_json import pretty_json

_logger = logging.getLogger(__name__)


class G2PApiDelivery(models.Model):
    """One event for one subscription, with every attempt to deliver it.

    A record of what was (or will be) sent: every field is written by server code only. *Send again*
    sends the recorded body to the recorded URL, after the checks of every attempt (``_refusal``).
    """

    _name = "g2p.api.delivery"
    _description = "Outbound event delivery"
    _order = "id desc"
    _rec_name = "event_id"

    subscription_id = fields.Many2one(
        "g2p.api.subscription", required=True, ondelete="cascade", index=True, readonly=True
    )
    # recorded, not related: moving the subscription to another client does not move what was sent
    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, ondelete="cascade", index=True)
    event_type = fields.Char(required=True, readonly=True, index=True)
    event_name = fields.Char(string="Event", compute="_compute_event_name", help="What happened, in words")
    event_id = fields.Char(string="Event ID", required=True, readonly=True, index=True)
    subject = fields.Char(readonly=True, help="uuid of the record the event is about")
    url = fields.Char(string="URL", required=True, readonly=True)
    http_method = fields.Char(string="HTTP method", required=True, readonly=True)
    body = fields.Text(required=True, readonly=True)
    content_type = fields.Char(
        readonly=True,
        help="Media type of the body: application/cloudevents+json for the CloudEvents event itself, "
        "else (a payload template's output, a DCI envelope) application/json",
    )
    body_pretty = fields.Text(string="Body (formatted)", compute="_compute_body_pretty")
    state = fields.Selection(
        [("pending", "Pending"), ("retrying", "Retrying"), ("sent", "Sent"), ("failed", "Failed")],
        default="pending",
        required=True,
        index=True,
        readonly=True,
    )
    attempt_count = fields.Integer(readonly=True)
    next_retry = fields.Datetime(readonly=True)
    attempt_ids = fields.One2many("g2p.api.delivery.attempt", "delivery_id", readonly=True)
    # a status code is a label, not a quantity: grouped lists must not add them up
    last_status_code = fields.Integer(string="Last HTTP status", readonly=True, aggregator=False)
    last_error = fields.Char(compute="_compute_last_error", help="Why the last attempt did not succeed")
    template_error = fields.Char(
        readonly=True, help="The subscription's template failed on this event: nothing was or will be sent"
    )
    required_scope = fields.Char(readonly=True, help="Scope the client needs to still be sent this event")
    registrant_ids = fields.Many2many(
        "res.partner",
        "g2p_api_delivery_registrant_rel",
        "delivery_id",
        "partner_id",
        string="Registrants",
        readonly=True,
        help="Registrants the event names: the client must still be allowed to read them",
    )
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Whose staff read this delivery when it carries a company's data without naming its registrants: an "
        "erasure notice, the erased registrant's company; a DCI callback, its transaction's or subscription's; a "
        "submission's event (change_request.*), its change request's or failed item's. Empty: the registrants it "
        "names decide (none named: every company's, as a programme's event)",
    )
    names_erased_registrant = fields.Boolean(
        string="Names an erased registrant",
        readonly=True,
        help="The event names a registrant erased from the registry since: nothing about them leaves any more, and "
        "only administrators read this delivery",
    )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        if not self.env.su:
            self._refuse_edit(set().union(*vals_list))
        for vals in vals_list:
            if not vals.get("client_id"):
                vals["client_id"] = self.env["g2p.api.subscription"].browse(vals.get("subscription_id")).client_id.id
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._refuse_edit(vals)
        return super().write(vals)

    @api.model
    def _refuse_edit(self, field_names):
        """Deliveries are written by the registry only, whatever the caller's group: who could edit the
        body, URL or subscription of a delivery could make *Send again* send anything anywhere."""
        raise AccessError(
            _(
                "Deliveries are records of what the registry sent: only the registry writes them (%(fields)s).",
                fields=", ".join(sorted(self._fields[name].string for name in field_names if name in self._fields))
                or "-",
            )
        )

    @api.depends("event_type", "subject", "subscription_id.name", "registrant_ids")
    def _compute_display_name(self):
        for rec in self:
            # archived registrants too; names as a many2one shows them (whoever may read the delivery)
            people = rec.with_context(active_test=False).registrant_ids._readable_as_registry()
            # the registrant the event is about, not every one its payload names (an individual's groups)
            people = people.filtered(lambda person, rec=rec: person.uuid == rec.subject) or people
            names = ", ".join(people[:2].mapped("name"))
            if len(people) > 2:
                names = _("%(names)s and %(count)s more", names=names, count=len(people) - 2)
            subscription = rec.subscription_id.sudo().name
            rec.display_name = (
                _(
                    "%(event)s of %(who)s to %(subscription)s",
                    event=rec.event_type,
                    who=names,
                    subscription=subscription,
                )
                if names
                else _("%(event)s to %(subscription)s", event=rec.event_type, subscription=subscription)
            )

    @api.depends("body")
    def _compute_body_pretty(self):
        for rec in self:
            rec.body_pretty = pretty_json(rec.body)

    @api.depends("event_type")
    def _compute_event_name(self):
        event_types = (
            self.env["g2p.api.event.type"].sudo().search([("code", "in", list(set(self.mapped("event_type"))))])
        )
        names = {t.code: t.display_name for t in event_types}
        for rec in self:
            rec.event_name = names.get(rec.event_type, rec.event_type)

    @api.depends("attempt_ids.error")
    def _compute_last_error(self):
        for rec in self:
            rec.last_error = rec.attempt_ids.sorted("attempt_no")[-1:].error or False

    def _identity_key(self):
        return f"g2p_delivery:{self.id}:{self.attempt_count}"

    def _enqueue_attempt(self, delay_seconds=0):
        # a job runs as the user who queued it: attempts are server code, whoever pressed Send again
        for rec in self.sudo():
            rec.with_delay(
                channel="root.g2p_outbound",
                eta=delay_seconds or None,
                identity_key=rec._identity_key(),
                description=f"Deliver {rec.event_type} to {rec.subscription_id.name}",
            )._attempt()

    def _attempt(self):
        """One HTTP attempt; schedules the next one itself so every attempt stays logged."""
        self.ensure_one()
        if self.state in ("sent", "failed"):
            return f"already {self.state}"
        sub = self.subscription_id
        started = time.perf_counter()
        refusal = self._refusal()
        if refusal:
            result = outbound_delivery.refused(refusal)
        else:
            body = self.body.encode()
            result = outbound_delivery.send(
                self.http_method,
                self.url,
                body,
                outbound_delivery.signature_headers(
                    sub,
                    body,
                    message_id=self.event_id,
                    method=self.http_method,
                    content_type=self.content_type or outbound_delivery.JSON,
                ),
                sub.timeout,
                url_guard.policy(self.env),
            )
        attempt_no = self.attempt_count + 1
        vals = {"attempt_count": attempt_no, "last_status_code": result.status_code or 0}
        verdict = outbound_delivery.classify(result)
        if verdict == "sent":
            vals.update(state="sent", next_retry=False)
            self._record_disclosures()
            self._apply_callback(result)
        elif verdict == "retry" and attempt_no < sub.max_attempts:
            delay = outbound_delivery.backoff_seconds(attempt_no, result.retry_after)
            vals.update(state="retrying", next_retry=fields.Datetime.now() + timedelta(seconds=delay))
        else:
            vals.update(state="failed", next_retry=False)
        without_caller_defaults(self.env["g2p.api.delivery.attempt"].sudo()).create(
            {
                "delivery_id": self.id,
                "attempt_no": attempt_no,
                "status_code": result.status_code or 0,
                "latency_ms": (time.perf_counter() - started) * 1000,
                "error": result.error,
                "response_excerpt": (result.text or "")[:1000],
                "outcome": vals["state"],
                "next_retry": vals.get("next_retry"),
            }
        )
        self.write(vals)
        if vals["state"] == "retrying":
            self._enqueue_attempt(delay)
        return f"attempt {attempt_no}: {vals['state']}"

    def _create_unsendable(self, vals, error):
        """Log an event whose URL or body could not be rendered: failed at once, with the reason."""
        delivery = self.create(dict(vals, state="failed", attempt_count=1, template_error=error[:250]))
        without_caller_defaults(self.env["g2p.api.delivery.attempt"]).create(
            {"delivery_id": delivery.id, "attempt_no": 1, "error": f"not sent: {error}"[:250], "outcome": "failed"}
        )
        return delivery

    def _refusal(self):
        """Why this delivery may not go out any more (checked at every attempt), or None."""
        client = self.client_id
        if not client.active:
            return "the client is inactive"
        # ended by the partner (DELETE /Subscription archives it) or paused by an API Manager: its queued
        # retries and Send again go nowhere either
        if not self.subscription_id.active:
            return "the subscription is archived (ended or paused)"
        # the registrant's row is gone, and with it the consents to check: nothing about them leaves any more
        if self.names_erased_registrant:
            return "the event names a registrant erased from the registry"
        if self.url.lower().startswith("http://") and not self.subscription_id.allow_insecure:
            return "plain HTTP and the subscription does not allow it"
        if self.required_scope and self.required_scope not in client._scope_codes():
            return f"the client no longer has the scope {self.required_scope}"
        # archived registrants included: their consent counts as for any other; read as when the payload was
        # built (the user of the subscription's REST endpoint: what its record rules hide now, e.g. a household
        # moved to another registry, is not sent, whatever the payload says of it)
        registrants = self.with_context(active_test=False).registrant_ids
        if not registrants:
            return None
        read_as_rest_app = self._built_by_rest_app()
        reader = self._reader_env() if read_as_rest_app else None
        if read_as_rest_app and reader is None:
            return "the REST endpoint its subscription reads as is not active (archived, deleted or moved)"
        if reader is not None:
            readable = registry_service.readable_relations(client, registrants.with_env(reader), self.required_scope)
            if len(readable) == len(registrants):
                return None
        if len(client._filter_readable_registrants(registrants, self.required_scope)) != len(registrants):
            return "the client may no longer read the registrants of this event (consent)"
        if reader is not None:
            return "the registry's rules no longer let the client read the registrants of this event"
        return None

    def _built_by_rest_app(self):
        """Whether this delivery's payload was read as the REST app reads (``g2p.api.subscription._reader_env``):
        then what it names is checked under the record rules of its subscription's endpoint at each attempt, and
        nothing goes out while that endpoint is not active. False where another app built it (its own checks
        apply)."""
        return True

    def _reader_env(self):
        """The environment whose record rules decide what this delivery may name: its subscription's REST endpoint's
        (as when its payload was built, ``g2p.api.subscription._reader_env``), None while that one is not active."""
        return self.subscription_id._reader_env()

    @api.model
    def _mark_naming_erased(self, partners):
        """``partners`` are about to be erased: the deliveries naming them lose the registrant (the relation row
        goes with it) but keep the marker, so that no attempt sends them and only administrators read them."""
        naming = self.sudo().with_context(active_test=False).search([("registrant_ids", "in", partners.ids)])
        naming.write({"names_erased_registrant": True})

    def _record_disclosures(self):
        """The registrants this delivery named reached its client: one disclosure row each."""
        registrants = self.with_context(active_test=False).registrant_ids
        self.env["g2p.api.disclosure"].sudo()._record(
            self.client_id, registrants.ids, self._disclosure_channel(), self.required_scope, delivery_id=self.id
        )

    def _disclosure_channel(self):
        """How this delivery's data left, as ``g2p.api.disclosure.channel`` says it."""
        return "outbound_event"

    def _apply_callback(self, result):
        """The partner's references for the record, from its answer: the subscription's callback path
        (reference type ``id``) and each line of its callback mapping."""
        sub = self.subscription_id
        mapping = [(line.json_path.strip(), line.ref_type.strip()) for line in sub.callback_mapping_ids]
        if sub.callback_json_path:
            mapping.insert(0, (sub.callback_json_path.strip(), "id"))
        if not mapping or not self.subject:
            return
        found = outbound_delivery.callback_values(mapping, result.text)
        if found:
            self.env["g2p.api.external.ref"].sudo()._store(sub, self.subject, found)

    def action_resend(self):
        """Queue the recorded body to the recorded URL again: the attempt checks the client, the subscription, its
        scope, the consent of every registrant the delivery names (none erased) and the destination again, as every
        attempt."""
        self._check_may_queue(("failed", "sent"), _("Only sent or failed deliveries can be sent again."))
        deliveries = self.sudo()
        deliveries.write({"state": "pending", "attempt_count": 0, "next_retry": False})
        deliveries._enqueue_attempt()
        return True

    def action_retry_now(self):
        """Make the next attempt of retrying deliveries now rather than at their back-off time (a partner says
        its endpoint is back): the waiting attempt is cancelled and queued again without delay; the attempt
        checks the client, scope, consent and destination as every attempt does."""
        self._check_may_queue(("retrying",), _("Only a retrying delivery can be retried now."))
        deliveries = self.sudo()
        waiting = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "in", [rec._identity_key() for rec in deliveries]),
                    ("state", "in", ("pending", "enqueued", "wait_dependencies")),
                ]
            )
        )
        waiting.button_cancelled()
        deliveries.write({"next_retry": False})
        deliveries._enqueue_attempt()
        return True

    def _check_may_queue(self, states, wrong_state_message):
        """What Send again and Retry now both check: API Managers only (write access), a delivery in one
        of ``states``, and a body that was rendered."""
        self.check_access("write")
        for rec in self:
            if rec.state not in states:
                raise UserError(wrong_state_message)
            if rec.template_error:
                raise UserError(
                    _(
                        "The subscription's template failed on this event (%s): nothing to send again.",
                        rec.template_error,
                    )
                )

import json
import uuid
from itertools import groupby
from operator import itemgetter
from urllib.parse import urlparse

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from ..services import outbound_delivery, shown_once, templates, url_guard
from ..services.extendable_context import extendable_registry
from .g2p_api_callback_mapping import check_json_path
from .g2p_api_event_emitter import PENDING_EVENTS
from .g2p_api_subscription_event import HTTP_METHODS

# the app of the endpoint whose user and company outbound payloads are read as (``_reader``)
REST_APP = "g2p_partner_api"
# where a partner's deliveries go and whose registry they tell of: set by the partner itself (REST /Subscription,
# as the server) or by a system administrator, never by the person who configures partners (_check_destination_kept)
DESTINATION_FIELDS = ("client_id", "target_url", "url_template", "endpoint_id")

# event type prefix → the scope a REST read of the same data needs (None: individual or group read,
# after the kind of registrant the event is about)
SCOPE_BY_PREFIX = {
    "individual": "individual:read",
    "group": "group:read",
    "membership": "group:read",
    "program_membership": "membership:read",
    "change_request": None,
    "programme": "program:read",
}


class G2PApiSubscription(models.Model):
    """A partner endpoint notified of registry events (seed: remote API provisioner)."""

    _name = "g2p.api.subscription"
    _inherit = ["g2p.uuid.mixin", "mail.thread", "g2p.cache.clearing.mixin", "g2p.guarded.settings.mixin"]
    _description = "Outbound event subscription"
    _order = "name"

    name = fields.Char(required=True)
    uuid = fields.Char(help="The subscription's handle in the REST API (/Subscription/{uuid})")
    client_id = fields.Many2one("g2p.api.client", required=True, ondelete="cascade", tracking=True)
    endpoint_id = fields.Many2one(
        "fastapi.endpoint",
        string="Read as endpoint",
        domain=[("app", "=", REST_APP)],
        ondelete="set null",
        default=lambda self: self._only_rest_endpoint(),
        help="The REST endpoint the partner works with: its events are read as that endpoint's user in its company "
        "(what the partner could read there), and none is sent while it is archived, or once it is deleted or moved "
        "to another company (then it is emptied). Set by the partner's /Subscription call to the endpoint it called; "
        "in the back office, the registry's only REST endpoint, else left empty for a system administrator to choose.",
    )
    target_url = fields.Char(
        string="Target URL",
        required=True,
        tracking=True,
        help="The partner's public endpoint, set by a system administrator or by the partner itself through the "
        "API (/Subscription). Loopback, link-local and private addresses are refused "
        "unless a system administrator lists the host and port (host:port) in the system parameter "
        "g2p_partner_api.outbound_allowed_hosts; the registry's own ports and routes never are.",
    )
    allow_insecure = fields.Boolean(
        string="Allow plain HTTP",
        tracking=True,
        help="Unsafe: only for a partner on a trusted network or a test endpoint. Only a system administrator may "
        "switch it on (as the plain HTTP DCI callbacks of a client).",
    )
    event_type_ids = fields.Many2many("g2p.api.event.type", string="Events", required=True)
    http_method = fields.Selection(HTTP_METHODS, string="HTTP method", default="POST", required=True)
    url_template = fields.Char(
        string="URL template",
        help="Optional Jinja building the URL per event, e.g. {{ base }}/documents/{{ subject }}. "
        "Context: base (target URL without trailing /), target_url, subject (uuid of the record), "
        "event_type, event (the CloudEvents event), record (the event's data).",
    )
    payload_template = fields.Text(
        help="Optional Jinja producing the JSON body; default is the CloudEvents 1.0 event. "
        "Same context as the URL template. A client that may not read the "
        "record (scope, consent, programme) is not told of the event."
    )
    event_config_ids = fields.One2many(
        "g2p.api.subscription.event",
        "subscription_id",
        string="Per-event settings",
        copy=True,
        help="Method, URL template and payload template of one event, where they differ from the subscription's",
    )
    include_owner = fields.Boolean(
        help="Add who created the record (CloudEvents extension g2powner): 'client:<name of the API client>' "
        "for records created through the APIs, 'staff' for records registry staff created (never a login)"
    )
    signing = fields.Selection(
        [("hmac", "HMAC-SHA256 (Standard Webhooks)"), ("jws", "Registry JWS (X-G2P-JWS)"), ("none", "None")],
        default="hmac",
        required=True,
    )
    hmac_secret = fields.Char(
        string="HMAC secret",
        groups="base.group_system",
        copy=False,
        help="Needed in clear to sign; readable by administrators only",
    )
    has_hmac_secret = fields.Boolean(string="HMAC secret set", compute="_compute_has_hmac_secret")
    callback_json_path = fields.Char(
        string="Callback JSONPath",
        help="JSONPath into the partner's 2xx response whose value is stored as the partner's id "
        "for the record (e.g. $.id; reference type 'id')",
    )
    callback_mapping_ids = fields.One2many(
        "g2p.api.callback.mapping",
        "subscription_id",
        string="Callback mapping",
        copy=True,
        help="More references from the partner's 2xx response: each JSONPath's values under a reference type",
    )
    external_ref_ids = fields.One2many("g2p.api.external.ref", "subscription_id", string="Partner references")
    max_attempts = fields.Integer(default=6, required=True)
    timeout = fields.Float(string="Timeout (s)", default=10.0, required=True)
    active = fields.Boolean(default=True)
    attention = fields.Char(
        compute="_compute_attention",
        help="What the colour of the row in the list means: grey when archived (no events are sent), orange when "
        "events travel over plain HTTP, or when the HMAC signing secret is still to be generated.",
    )
    delivery_ids = fields.One2many("g2p.api.delivery", "subscription_id")

    _sql_constraints = [
        ("max_attempts_range", "check(max_attempts between 1 and 20)", "1 to 20 attempts."),
        ("uuid_unique", "unique(uuid)", "The UUID of a subscription must be unique."),
    ]

    @api.model
    def _only_rest_endpoint(self):
        """The registry's REST endpoint when it has one active, else none: with several, which one a partner works
        with is not guessed."""
        endpoints = self.env["fastapi.endpoint"].sudo().search([("app", "=", REST_APP)], limit=2)
        return endpoints if len(endpoints) == 1 else endpoints.browse()

    @api.model
    def _endpoint_moved(self, endpoints):
        """``endpoints`` now work for another company: the subscriptions read as them tell of no registry any more
        (not the new company's, whose registrants their partners never asked for) until a system administrator
        chooses again."""
        moved = self.sudo().with_context(active_test=False).search([("endpoint_id", "in", endpoints.ids)])
        moved.write({"endpoint_id": False})

    @api.model
    def _safe_settings(self):
        # unsigned deliveries: the partner can no longer tell the registry's from anyone's
        return dict(super()._safe_settings(), allow_insecure=False, signing=frozenset({"hmac", "jws"}))

    def _check_administrators_own(self, vals):
        self._check_destination_kept(vals)
        return super()._check_administrators_own(vals)

    def _check_destination_kept(self, vals):
        """Refuse, to all but a system administrator (and the server's own code: a partner's REST calls on its
        own subscriptions), a subscription made or a write that names whose it is or where it sends: an API
        Manager who could point a partner's subscription at a server of its own, or hand one to another client,
        would receive the personal data that partner may read, alone."""
        named = [name for name in DESTINATION_FIELDS if name in vals and (self or vals[name])]
        if not named or self._is_system_administrator():
            return
        if self:
            self.check_access("write")  # the right first: what the subscription holds is no business of others
        raise AccessError(
            _(
                "Only a system administrator may set where a partner's deliveries go (%(fields)s): ask one, or let "
                "the partner manage its own subscriptions through the API (/Subscription).",
                fields=", ".join(self._fields[name].string for name in named),
            )
        )

    def _compute_has_hmac_secret(self):
        for rec, secret in zip(self, self.sudo().mapped("hmac_secret"), strict=True):
            rec.has_hmac_secret = bool(secret)

    @api.constrains("target_url", "allow_insecure", "url_template", "payload_template", "callback_json_path")
    def _check_target(self):
        for rec in self:
            rec._check_target_url(rec.target_url, rec.allow_insecure)
            self._check_templates([rec.url_template, rec.payload_template])
            if rec.callback_json_path:
                check_json_path(rec.callback_json_path)

    @api.model
    def _check_target_url(self, target_url, allow_insecure=False):
        """The rules of a target URL, wherever it is set (form, REST API): http(s), https unless plain
        HTTP is allowed, and a destination the outbound guard accepts."""
        url = urlparse(target_url or "")
        if url.scheme not in ("https", "http") or not url.netloc:
            raise ValidationError(_("%s is not an http(s) URL.", target_url))
        if url.scheme == "http" and not allow_insecure:
            raise ValidationError(_("The target must use https (or tick 'Allow plain HTTP')."))
        url_guard.validate(self.env, target_url)

    @api.model
    def _api_event_types(self):
        """Event types partners may subscribe to themselves (REST API): registry events a REST read
        stands for, not the registry's own channels (such as DCI callbacks)."""
        return (
            self.env["g2p.api.event.type"]
            .sudo()
            .search([])
            .filtered(lambda event_type: event_type.code.split(".")[0] in SCOPE_BY_PREFIX)
        )

    @api.model
    def _event_read_scopes(self, event_code):
        """Scopes any one of which lets a client receive ``event_code``."""
        scope = SCOPE_BY_PREFIX.get(event_code.split(".")[0])
        return {scope} if scope else {"individual:read", "group:read"}

    @api.constrains("event_type_ids")
    def _check_event_configs(self):
        for rec in self:
            orphans = rec.event_config_ids.event_type_id - rec.event_type_ids
            if orphans:
                raise ValidationError(
                    _(
                        "Remove the settings of %(events)s before unsubscribing from them.",
                        events=", ".join(orphans.mapped("code")),
                    )
                )

    @api.model
    def _check_templates(self, sources):
        for source in filter(None, sources):
            try:
                templates.check(source)
            except templates.TemplateRenderError as exc:
                raise ValidationError(_("Template: %s", exc)) from exc

    @api.depends("active", "allow_insecure", "signing", "has_hmac_secret", "endpoint_id")
    def _compute_attention(self):
        for rec in self:
            if not rec.active:
                rec.attention = _("Archived: no events sent")
                continue
            notes = [] if rec.endpoint_id else [_("No REST endpoint to read as: no events sent")]
            if rec.allow_insecure:
                notes.append(_("Unsafe: plain HTTP"))
            if rec.signing == "hmac" and not rec.has_hmac_secret:
                notes.append(_("No signing secret yet"))
            rec.attention = "; ".join(notes) or False

    def _generate_hmac_secret(self):
        self.ensure_one()
        clear = outbound_delivery.new_webhook_secret()
        self.sudo().hmac_secret = clear
        # a log note, not a message: it needs no sender email address, which an API Manager may not have
        self._message_log(body=_("Signing secret generated."))
        return clear

    def action_generate_hmac_secret(self):
        """Generate the HMAC signing secret (an API Manager, for a subscription without one) or replace it (a system
        administrator) and show it once in the browser."""
        if shown_once.replacing_without_right(self, "hmac_secret"):
            # whoever sees the secret can sign deliveries as the registry to the partner: the first one is handed to
            # the partner at onboarding; one the partner holds alone (from its own /Subscription call) stays its own
            raise AccessError(
                _(
                    "Only a system administrator may replace the signing secret of %(name)s: whoever sees it can sign "
                    "messages to the partner as the registry.",
                    name=self.name,
                )
            )
        return shown_once.secret_action(
            _("Signing secret: copy it now, it is shown only once"),
            _(
                "Copy the secret now and hand it to the partner safely: it will never be shown again. If it is lost, "
                "generate a new one."
            ),
            _("Subscription"),
            self.name,
            self._generate_hmac_secret(),
        )

    @api.model
    def _split_group_event_subscriptions(self):
        """Upgrade step: ``group.updated`` once announced a group's creation and archiving as well;
        the subscriptions made then also get ``group.created`` and ``group.archived``, so they keep
        receiving every event they used to."""
        split = self.env["g2p.api.event.type"].search([("code", "in", ["group.created", "group.archived"])])
        subscriptions = self.with_context(active_test=False).search([("event_type_ids.code", "=", "group.updated")])
        subscriptions.write({"event_type_ids": [(4, event_type.id) for event_type in split]})
        return subscriptions

    # --- events -> deliveries --------------------------------------------------------------
    # what a subscription is told is read as its endpoint reads (``_reader_env``): the methods below run on the
    # subscription (one), never on the model alone, which reads as nobody

    def _resource_payload(self, record, client, scope):
        """The record as a REST read of it by ``client`` with ``scope`` returns it (dict), built by the
        same schemas and filtered by the same record rules (``_reader_env``) and consent hook (group members,
        an individual's groups: one the rules hide is left out, as the REST read leaves it out)."""
        from ..schemas.group import Group
        from ..schemas.individual import Individual
        from ..schemas.program import Program, ProgramMembership
        from ..services import registry_service as registry

        if record._name == "res.partner":
            read = record.with_env(self._reader_env())
            if record.is_group:
                return Group.from_record(record, registry.visible_members(client, read, scope)).model_dump(mode="json")
            return Individual.from_record(record, registry.visible_groups(client, read, scope)).model_dump(mode="json")
        if record._name == "g2p.program.membership":
            return ProgramMembership.from_record(record).model_dump(mode="json")
        if record._name == "g2p.program":
            return Program.from_record(record).model_dump(mode="json")
        if record._name == "g2p.group.membership":
            return {
                "group": record.group_id.uuid,
                "individual": record.individual_id.uuid,
                "kinds": [k._to_wire() for k in record.kind_ids],
                "start_date": str(record.start_date or "") or None,
                "end_date": str(record.end_date or "") or None,
            }
        return {"uuid": getattr(record, "uuid", None) or getattr(record, "name", None)}

    @api.model
    def _registrants_of(self, record):
        """Every registrant a payload about ``record`` names: each must be readable by the client."""
        if record._name == "res.partner":
            return record
        if record._name == "g2p.program.membership":
            return record.partner_id
        if record._name == "g2p.group.membership":
            return record.group_id | record.individual_id
        return getattr(record, "registrant_id", self.env["res.partner"])

    @api.model
    def _event_scope(self, event_type, registrants):
        scope = SCOPE_BY_PREFIX.get(event_type.split(".")[0], "individual:read")
        if scope is None:
            scope = "group:read" if any(registrants.mapped("is_group")) else "individual:read"
        return scope

    @api.model
    def _visible_to(self, client, record):
        """Checks of a REST read beyond consent: a membership of a programme the client may not see is not sent."""
        if record._name == "g2p.program.membership":
            return bool(record.program_id.filtered_domain(client._program_domain()))
        if record._name == "g2p.program":
            # an archived programme stays among the client's allowed ones: it is told of the archiving
            return bool(record.filtered_domain(client.with_context(active_test=False)._program_domain()))
        return True

    def _reader(self):
        """(user id, company id) this subscription reads as: its REST endpoint's (``endpoint_id``,
        ``fastapi.endpoint._endpoint_reader``); None without one, while it is archived, and for no subscription:
        never another endpoint's."""
        endpoint = self.sudo()[:1].endpoint_id
        return self.env["fastapi.endpoint"]._endpoint_reader(endpoint.id, REST_APP) if endpoint else None

    def _reader_env(self):
        """The environment a REST read through this subscription's endpoint runs in (``_reader``): what a delivery
        names of the registry is what its record rules let the partner read there (and consent, checked apart),
        never more. None (``_reader``): nothing is read for an outbound payload then, no payload built."""
        return self.env["fastapi.endpoint"]._reader_env(self._reader())

    def _payload_for(self, client, event_type, record):
        """(scope, data, ids of the registrants it names) ``client`` receives about ``record``: what a REST
        read of the same data by this client through the subscription's endpoint returns. None when that read would
        be refused (no endpoint to read as, client inactive, scope, consent of any registrant named, programme):
        then the client is not told of the event at all. Each attempt to send checks scope and consent again."""
        from ..services import registry_service as registry

        reader = self._reader_env()
        registrants = self._registrants_of(record)
        scope = self._event_scope(event_type, registrants)
        if (
            reader is None
            or not client.active
            or scope not in client._scope_codes()
            or not self._visible_to(client, record)
        ):
            return None
        readable = registry.readable_relations(client, registrants.with_env(reader), scope)
        if len(readable) != len(registrants):
            return None
        return scope, self._resource_payload(record, client, scope), self._named_in_payload(record, client, scope).ids

    def _snapshot_payload_for(self, client, event_type, record):
        """``_payload_for`` of a record about to disappear, decided while it and its consents still exist, and the
        company (id) whose staff read its delivery (``g2p.api.delivery.company_id``). A registrant erased from the
        register is announced by its uuid alone (``{"uuid", "erased": true}``), naming nobody else, to the clients
        that could read it then: they hold a copy to delete (GDPR art. 19 asks a controller to tell the recipients
        of an erasure), and nothing else about the person leaves any more. Its delivery names nobody, so it is
        her company's, taken now: the erasure of one of a company's registrants is that company's business."""
        allowed = self._payload_for(client, event_type, record)
        if allowed is None:
            return None
        if record._name != "res.partner":
            return *allowed, False
        scope, _payload, _named = allowed
        return scope, {"uuid": record.uuid, "erased": True}, [], record.company_id.id

    def _named_in_payload(self, record, client, scope):
        """Every registrant the payload about ``record`` names: the registrants it is about, a group's
        readable members, an individual's readable groups. The delivery records them, and each attempt
        checks that the client may still read every one."""
        from ..services import registry_service as registry

        registrants = self._registrants_of(record)
        if record._name == "res.partner":
            read = record.with_env(self._reader_env())
            registrants |= registry.visible_members(client, read.filtered("is_group"), scope).with_env(self.env)
            registrants |= registry.visible_groups(client, read.filtered(lambda r: not r.is_group), scope).with_env(
                self.env
            )
        return registrants

    @api.model
    def _flush_pending_events(self):
        pending = self.env.cr.precommit.data.pop(PENDING_EVENTS, {})
        with extendable_registry(self.env):
            self._emit_pending(pending)

    @api.model
    def _emit_pending(self, pending):
        # which records still exist, in one statement per model (a chunk of ingested people is 100 events)
        existing = {}
        for model, ids in groupby(sorted((event["model"], event["id"]) for event in pending.values()), itemgetter(0)):
            existing[model] = set(self.env[model].browse([record_id for _model, record_id in ids]).exists().ids)
        for event in pending.values():
            record = self.env[event["model"]].browse(event["id"] if event["id"] in existing[event["model"]] else ())
            if not record and event.get("snapshot") is None:
                continue  # created and rolled back (savepoint) within the transaction: nothing happened
            self.sudo()._emit(
                event["event_type"],
                record,
                snapshot=event.get("snapshot"),
                changes=event.get("changes"),
                members_only=event.get("member_ids"),
            )

    @api.model
    def _add_event_change(self, record, change):
        """Say what changed in ``record``'s pending event (queued by the write that made the change): ``change``
        names an ``individual`` by uuid, and goes to the clients whose payload shows that individual."""
        pending = self.env.cr.precommit.data.get(PENDING_EVENTS, {}).get((record._name, record.id))
        if pending is not None:
            pending.setdefault("changes", []).append(change)

    @api.model
    @tools.ormcache("event_type")
    def _subscription_ids_for(self, event_type):
        """Active subscriptions to ``event_type`` (cached: asked for every registry change, edited rarely)."""
        return tuple(self.sudo().search([("event_type_ids.code", "=", event_type)]).ids)

    @api.model
    def _emit(self, event_type, record, snapshot=None, changes=None, members_only=None):
        """Queue one delivery per active subscription to ``event_type`` whose client may read ``record``
        (public: other addons call it, e.g. ``change_request.applied``). ``snapshot``: for a record
        that no longer exists, what each client (by id) was allowed to receive, from ``_snapshot_payload_for``.
        ``changes``: what changed (see ``_add_event_change``), in the data of the clients that see it.
        ``members_only``: ids of the individuals whose memberships are all that changed (``_g2p_members_changed``):
        a client that reads none of them is not told (that someone it may not see joined or left). Nothing
        is queued for a subscription whose REST endpoint is not active: its payloads are read as it (``_reader``)."""
        subscriptions = (
            self.sudo()
            .browse(self._subscription_ids_for(event_type))
            .filtered(lambda subscription: subscription.client_id.active and subscription._reader() is not None)
        )
        if not subscriptions:
            return self.env["g2p.api.delivery"]
        with extendable_registry(self.env):
            return subscriptions._emit_to(event_type, record, snapshot, changes, members_only)

    def _emit_to(self, event_type, record, snapshot, changes=None, members_only=None):
        base = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": f"urn:g2p:registry:{self.env['ir.config_parameter'].sudo().get_param('database.uuid')}",
            "type": f"org.g2p.{event_type}",
            "time": fields.Datetime.now().isoformat() + "Z",
            "datacontenttype": "application/json",
        }
        deliveries = self.env["g2p.api.delivery"]
        for sub in self:
            allowed = sub._allowed_for(sub.client_id, event_type, record, snapshot)
            if allowed is None:
                continue
            scope, payload, registrant_ids, company_id = allowed
            if members_only is not None and not sub._reads_any(sub.client_id, scope, members_only):
                continue
            if changes:
                payload = dict(payload, changes=self._changes_shown(payload, changes))
            subject = payload.get("uuid") or payload.get("reference") or getattr(record, "uuid", None)
            event = dict(base, subject=subject, data=payload)
            if sub.include_owner and record:
                event["g2powner"] = self._owner_label(record)
            named = registrant_ids if record else self._still_registered(registrant_ids)
            deliveries |= sub._new_delivery(
                event_type,
                event,
                payload,
                scope,
                named,
                names_erased=bool(set(registrant_ids) - set(named)),
                company_id=company_id,
            )
        return deliveries

    def _allowed_for(self, client, event_type, record, snapshot):
        """(scope, payload, ids of the registrants it names, company id of its delivery) ``client`` receives through
        this subscription about ``record``, or about a record gone from its ``snapshot`` (by subscription id,
        ``_snapshot_payload_for``); None: nothing. An existing record's delivery has no company of its own: the
        registrants it names decide who reads it."""
        if not record:
            return (snapshot or {}).get(self.id)
        allowed = self._payload_for(client, event_type, record)
        return None if allowed is None else (*allowed, False)

    def _reads_any(self, client, scope, individual_ids):
        """Whether ``client`` may read with ``scope`` one of the individuals ``individual_ids``, as a REST read of
        them would (``registry_service.reads_any`` as this subscription's endpoint reads)."""
        from ..services import registry_service as registry

        return registry.reads_any(
            client, self.env["res.partner"].with_env(self._reader_env()).browse(individual_ids), scope
        )

    @api.model
    def _still_registered(self, registrant_ids):
        """Of the registrants a snapshot (a deleted record's event) names, those not erased since: the delivery
        records them, as any other, so that each attempt checks their consent and the company rule hides it."""
        return self.env["res.partner"].browse(registrant_ids).exists().ids

    @api.model
    def _changes_shown(self, payload, changes):
        """The ``changes`` about members the ``payload`` (as its client may receive it) shows."""
        shown = {member.get("individual") for member in payload.get("members", [])}
        return [change for change in changes if change.get("individual") in shown]

    @api.model
    def _owner_label(self, record):
        """Who created ``record``, without naming a person: the API client it came from, else staff."""
        for name in ("source_client_id", "client_id"):
            field = record._fields.get(name)
            if field and field.comodel_name == "g2p.api.client" and record[name]:
                return f"client:{record[name].name}"
        return "staff"

    def _event_settings(self, event_type):
        """(HTTP method, URL template, payload template) of ``event_type``: its own settings, each
        falling back to the subscription's."""
        self.ensure_one()
        own = self.event_config_ids.filtered(lambda config: config.event_type_id.code == event_type)[:1]
        return (
            own.http_method or self.http_method,
            own.url_template or self.url_template,
            own.payload_template or self.payload_template,
        )

    def _new_delivery(
        self, event_type, event, record_payload, scope=None, registrant_ids=(), names_erased=False, company_id=False
    ):
        self.ensure_one()
        method, url_template, payload_template = self._event_settings(event_type)
        context = {
            "event": event,
            "record": record_payload,
            "target_url": self.target_url,
            "base": self.target_url.rstrip("/"),
            "subject": event.get("subject"),
            "event_type": event_type,
        }
        vals = {
            "subscription_id": self.id,
            "event_type": event_type,
            "event_id": event["id"],
            "subject": event.get("subject"),
            "url": self.target_url,
            "http_method": method,
            "body": json.dumps(event, ensure_ascii=False, sort_keys=True),
            "content_type": outbound_delivery.CLOUDEVENTS_JSON,
            "required_scope": scope,
            "registrant_ids": [(6, 0, list(registrant_ids))],
            "names_erased_registrant": names_erased,
            "company_id": company_id,
        }
        try:
            if url_template:
                vals["url"] = templates.render(url_template, **context).strip()
            if payload_template:
                body = templates.render_json(payload_template, **context)
                vals.update(
                    body=json.dumps(body, ensure_ascii=False, sort_keys=True), content_type=outbound_delivery.JSON
                )
        except templates.TemplateRenderError as exc:
            # a template that fails on this event must not block the registry change: the delivery is
            # logged as failed with the reason (the fixed template serves the next events)
            return self.env["g2p.api.delivery"].sudo()._create_unsendable(vals, f"template error: {exc}")
        delivery = self.env["g2p.api.delivery"].sudo().create(vals)
        delivery._enqueue_attempt()
        return delivery

"""A client's own subscriptions, managed through the REST API: the same rules as the staff's form
(the model's checks of the target URL and the events), on the caller's subscriptions only."""

from odoo.exceptions import ValidationError

from .problem_details import body_error
from .registry_errors import Conflict, Invalid
from .registry_service import not_found

MAX_PARAM = "g2p_partner_api.max_subscriptions_per_client"
DEFAULT_MAX = 10


def _refused(field, message):
    return Invalid(message, [body_error(field, "invalid_value", message)])


def own_domain(env, client):
    """The caller's subscriptions to registry events (not the registry's channels, such as DCI callbacks)."""
    return [
        ("client_id", "=", client.id),
        ("event_type_ids", "not in", _channel_event_types(env).ids),
    ]


def _channel_event_types(env):
    Subscription = env["g2p.api.subscription"].sudo()
    return env["g2p.api.event.type"].sudo().search([]) - Subscription._api_event_types()


def get(env, client, uuid):
    """The caller's active subscription ``uuid``: 404 for unknown and for another client's alike."""
    subscription = env["g2p.api.subscription"].sudo().search([("uuid", "=", uuid)] + own_domain(env, client), limit=1)
    if not subscription:
        raise not_found("Subscription", uuid)
    return subscription


def create(env, client, body, endpoint_id):
    """(new subscription, its signing secret in clear: to be shown once); its events are read as the REST endpoint
    ``endpoint_id`` reads, the one the partner called (never a value of what it sent)."""
    Subscription = env["g2p.api.subscription"].sudo()
    limit = int(env["ir.config_parameter"].sudo().get_param(MAX_PARAM, DEFAULT_MAX))
    if Subscription.search_count(own_domain(env, client)) >= limit:
        raise Conflict(f"This client already has {limit} subscriptions: change or delete one (limit {MAX_PARAM}).")
    vals = {"client_id": client.id, "name": body.name, "endpoint_id": endpoint_id}
    vals.update(_target_vals(Subscription, body.target_url), event_type_ids=_event_types(env, client, body.events))
    subscription = _saved(lambda: Subscription.create(vals))
    return subscription, subscription._generate_hmac_secret()


def update(env, client, subscription, body):
    sent = body.model_fields_set
    for field in sorted(sent):
        if getattr(body, field) is None:
            raise _refused(field, f"{field} cannot be null.")
    vals = {"name": body.name} if "name" in sent else {}
    if "target_url" in sent:
        vals.update(_target_vals(subscription, body.target_url))
    if "events" in sent:
        vals["event_type_ids"] = _event_types(env, client, body.events)
    _saved(lambda: subscription.write(vals))
    return subscription


def rotate_secret(subscription):
    """A new signing secret for the caller's ``subscription`` (its clear text: to be shown once). The partner
    rotates its own, without anyone of the registry seeing it; one signed with the registry's key has none."""
    if subscription.signing != "hmac":
        raise Conflict(
            f"This subscription is signed {subscription.signing.upper()}, not with a shared secret: it has no signing "
            "secret to replace."
        )
    return subscription._generate_hmac_secret()


def delete(subscription):
    """Ends the subscription; what was sent stays recorded (its deliveries), so it is archived, not removed."""
    subscription.active = False


def _target_vals(subscription_model, target_url):
    # the rules of the staff's form, on the URL as sent (never plain HTTP: only an administrator allows it)
    try:
        subscription_model._check_target_url(target_url, subscription_model.allow_insecure)
    except ValidationError as exc:
        raise _refused("target_url", exc.args[0]) from exc
    return {"target_url": target_url}


def _event_types(env, client, codes):
    if len(set(codes)) != len(codes):
        raise _refused("events", "Each event may be given once.")
    subscribable = env["g2p.api.subscription"].sudo()._api_event_types()
    by_code = {event_type.code: event_type for event_type in subscribable}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise _refused(
            "events",
            f"Unknown event types: {', '.join(unknown)} (known: {', '.join(sorted(by_code))}).",
        )
    scopes = client._scope_codes()
    unreadable = [code for code in codes if not env["g2p.api.subscription"]._event_read_scopes(code) & scopes]
    if unreadable:
        raise _refused(
            "events",
            f"This client may not read what these events carry: {', '.join(unreadable)} (it needs a read scope "
            "that covers them).",
        )
    return [(6, 0, [by_code[code].id for code in codes])]


def _saved(write):
    """Runs the create or write; the model's remaining checks (e.g. per-event settings of an event
    being removed) are refused naming the events."""
    try:
        return write()
    except ValidationError as exc:
        raise _refused("events", exc.args[0]) from exc

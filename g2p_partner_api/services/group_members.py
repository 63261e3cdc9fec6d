"""A household changed one member at a time: a member added, a membership ended, the memberships listed.

The rules of the whole-list writes (``registry_service.member_commands``) hold here too: an individual the
client may not read and write with the group scopes is answered as an unknown one, a group it may not read as an
unknown group, memberships are ended, never deleted, and nobody is made the head of an existing household
(``registry_service.head_set_by_registry``). Each change is written through the group, so the group's
provenance moves and ``group.updated`` is emitted, with the change it made (``changes`` in the event's data).
"""

from odoo import fields

from . import registry_service as registry
from .problem_details import body_error
from .registry_calendar import registry_today
from .registry_errors import Conflict, Invalid
from .vocabularies import KIND_VOCABULARY


def usable_group(env, client, uuid, scope):
    """The group ``client`` may use with ``scope``; 404 when unknown or not readable (the two answer alike),
    410 when archived (told only to a client that may read it)."""
    return registry.get_registrant(env, client, uuid, True, scope)


def manageable_individuals(client, individuals):
    """The part of ``individuals`` ``client`` may read and write as a group's members (``manageable_members``)."""
    return registry.manageable_members(client, individuals)


def _conflict(message, field, code):
    return Conflict(message, errors=[body_error(field, code, message)])


def _existing_individual(env, client, uuid):
    found = env["res.partner"].search(
        [("uuid", "=", uuid), ("is_registrant", "=", True), ("is_group", "=", False)], limit=1
    )
    individual = manageable_individuals(client, found)
    if not individual:
        raise Invalid(
            f"individual: unknown individual {uuid}.",
            errors=[body_error("individual", "unknown_registrant", "unknown individual")],
        )
    return individual


def _change(action, membership, **extra):
    return {
        "change": action,
        "individual": membership.individual_id.uuid,
        "kinds": [kind.code for kind in membership.kind_ids],
        "start_date": fields.Date.to_string(membership.start_date) or None,
        **extra,
    }


def add_member(env, client, scopes, group, body):
    """Add the member of ``body`` (``GroupMemberAdd``) to ``group``; the new membership."""
    kinds = [
        registry.resolve_code(env, kind, KIND_VOCABULARY, f"kinds[{index}]") for index, kind in enumerate(body.kinds)
    ]
    if registry.gives_head(env, kinds):
        # before anything is looked up: one answer, whoever is (or is hidden) in the household
        raise registry.head_set_by_registry(env, "kinds")
    if body.individual is not None:
        individual = _existing_individual(env, client, body.individual)
        today = registry_today(env)
        if group.group_member_ids.filtered(lambda m: m.individual_id == individual)._open_on(today):
            raise _conflict("individual: already a member of this group.", "individual", "already_member")
    else:
        individual = None
    if individual is None:
        individual = registry.register_new_individual(env, client, scopes, body.new_individual)
    vals = {"individual_id": individual.id, "kind_ids": [(6, 0, kinds)]}
    if body.start_date:
        vals["start_date"] = body.start_date
    before = group.group_member_ids
    group.write({"group_member_ids": [(0, 0, vals)]})
    membership = group.group_member_ids - before
    _tell(group, _change("member_added", membership))
    return membership


def end_membership(env, client, group, individual_uuid, body):
    """End the open membership of the individual ``individual_uuid`` in ``group`` (``body``: ``MembershipEnd``).
    404 when the individual is no member, unknown or not manageable by ``client`` (alike)."""
    # the individual looked up under the record rules: a member they hide is not read (no AccessError, no 403)
    individual = env["res.partner"].with_context(active_test=False).search([("uuid", "=", individual_uuid)], limit=1)
    memberships = group.group_member_ids.filtered(lambda m: individual and m.individual_id == individual)
    if not manageable_individuals(client, memberships.individual_id):
        raise registry.not_found("Member", individual_uuid)
    today = registry_today(env)
    membership = memberships._open_on(today)[:1]
    if not membership:
        raise _conflict("The membership has already ended.", "end_date", "membership_ended")
    if body.end_date > today:
        raise registry.out_of_range("end_date", registry.ENDED_BY_TODAY)
    if membership.start_date and body.end_date < membership.start_date:
        raise registry.out_of_range(
            "end_date", f"before the membership's start date {membership.start_date.isoformat()}"
        )
    group.write({"group_member_ids": [(1, membership.id, {"end_date": body.end_date, "end_reason": body.reason})]})
    _tell(group, _change("membership_ended", membership, end_date=body.end_date.isoformat(), reason=body.reason))
    return membership


def _tell(group, change):
    """``change`` joins the group's pending ``group.updated`` event (queued by the write just made)."""
    group.env["g2p.api.subscription"]._add_event_change(group, change)


def history_domain(client, group, scope):
    """Every membership of ``group`` whose individual ``client`` may read with ``scope``, ended ones included."""
    readable = client._readable_registrant_domain(scope) or [("id", "!=", False)]
    return [("group_id", "=", group.id), ("individual_id", "any", readable)]

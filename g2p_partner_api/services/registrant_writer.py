"""The one writer of registrants.

REST creates and updates (``registry_service`` and the routers) and change requests applied by
``g2p_partner_ingest`` give it ORM values they resolved from their own wire shape; the writer
creates or writes the registrant, its identifiers and a household's memberships, so each of
these rules lives once.
"""

from odoo import models
from odoo.fields import Command

from .registry_calendar import registry_today


def save(env, registrant, vals, is_group=False, company=None):
    """``registrant`` written with those of ``vals`` that change it; without one, a new registrant made of them
    (of ``company``: see ``create``).

    A write that changes nothing is not made: sending a registrant back as read must not move its
    version (ETag, ``updated_at``) nor put it in the change feed as changed.
    """
    if registrant:
        changes = changed_values(registrant, vals)
        if changes:
            registrant.write(changes)
        return registrant
    return create(env, [vals], is_group, company)


def changed_values(record, vals):
    """The values of ``vals`` that differ from what ``record`` (one record) holds. x2many commands are
    kept when there are any (their builders emit only the changes), but a ``Command.set`` of the ids
    the record already has."""
    changes = {}
    for name, value in vals.items():
        field = record._fields[name]
        current = record[name]
        if field.type in ("one2many", "many2many"):
            same = not value or (
                len(value) == 1 and value[0][0] == Command.SET and set(value[0][2]) == set(current.ids)
            )
        elif field.type == "many2one":
            same = current.id == (value.id if isinstance(value, models.BaseModel) else value or False)
        else:
            same = field.convert_to_record(field.convert_to_cache(value, record), record) == current
        if not same:
            changes[name] = value
    return changes


def create(env, vals_list, is_group=False, company=None):
    """New registrants, one per values of ``vals_list``, in one create. They belong to ``company`` (empty: every
    company's), by default the environment's: in an API call, the company of the endpoint it came through. A
    person a partner registers is as much its company's as what the partner sent, whose staff alone see it."""
    company = env.company if company is None else company
    kind = {"is_registrant": True, "is_group": is_group, "company_id": company.id}
    if is_group:
        kind["is_company"] = True
    return env["res.partner"].create([dict(vals, **kind) for vals in vals_list])


def identifier_commands(partner, wanted, remove_others):
    """One2many commands giving ``partner`` the identifiers ``wanted`` ([(id type id, value)]): those it
    lacks are added; with ``remove_others`` the ones not wanted are removed, else kept."""
    existing = {(r.id_type_id.id, r.value): r for r in partner.reg_id_ids} if partner else {}
    commands = [(2, rec.id) for key, rec in existing.items() if key not in wanted] if remove_others else []
    commands += [
        (0, 0, {"id_type_id": id_type, "value": value})
        for id_type, value in dict.fromkeys(wanted)
        if (id_type, value) not in existing
    ]
    return commands


def _own_memberships(managed, individual_id):
    return managed.filtered(lambda m: m.individual_id.id == individual_id)


def ended_memberships(managed, individual_id, start_date=None):
    """The memberships among ``managed`` of ``individual_id`` not open today (``_open_on``) that started on
    ``start_date`` (any, without one)."""
    own = _own_memberships(managed, individual_id)
    ended = own - own._open_on(registry_today(managed.env))
    return ended.filtered(lambda m: m.start_date == (start_date or m.start_date))


def held_membership(managed, individual_id, start_date=None, end_date=None):
    """The membership among ``managed`` that a member sent for ``individual_id`` is: the individual's open one
    (``_open_on`` today), else, sent ended (``end_date``), the ended one that ended then (and started on
    ``start_date`` when given, ``ended_memberships``): an ended membership is sent back with its own dates.
    Empty: a new membership."""
    open_now = _own_memberships(managed, individual_id)._open_on(registry_today(managed.env))
    if open_now or not end_date:
        return open_now[:1]
    return ended_memberships(managed, individual_id, start_date).filtered(lambda m: m.end_date == end_date)[:1]


def membership_commands(env, managed, wanted):
    """Commands for a group's ``group_member_ids`` so that, among the memberships ``managed`` (those the
    writer may change), the open ones are exactly ``wanted`` ({individual id: membership values}).

    A membership left out is ended (end date), never deleted, and ended first so that a new head
    may replace one who left; an ended membership sent back with its dates is that one, not a new one
    (``held_membership``). Memberships outside ``managed`` are left as they are.
    """
    updates, matched = [], env["g2p.group.membership"]
    for individual_id, vals in wanted.items():
        vals = dict(vals, individual_id=individual_id)
        membership = held_membership(managed, individual_id, vals.get("start_date"), vals.get("end_date"))
        if membership:
            matched |= membership
            changes = changed_values(membership, vals)
            if changes:
                updates.append((1, membership.id, changes))
        else:
            updates.append((0, 0, vals))
    today = registry_today(env)
    ends = [(1, m.id, {"end_date": max(today, m.start_date or today)}) for m in (managed - matched)._open_on(today)]
    return ends + updates

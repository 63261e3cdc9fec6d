"""Bulk lookup of registrants by identifier (``POST /Individual/$lookup``, ``POST /Group/$lookup``).

Set-based: one query resolves the identifier systems, one joins every (system, value) pair of the
request with the identifiers (the unique index on (id_type_id, value)), one keeps the registrants of
the resource's kind and the read-access hook (consent) keeps those the client may read. The number of
queries does not grow with the number of identifiers.
"""

from odoo.tools import SQL

from .api_errors import ApiError, invalid_field
from .problem_details import body_error

LOOKUP_LIMIT = 1000


def _too_many(count):
    return ApiError(
        400,
        "too_many_identifiers",
        f"At most {LOOKUP_LIMIT} identifiers per lookup ({count} sent): split the request.",
        errors=[body_error("identifiers", "too_long", f"at most {LOOKUP_LIMIT} items")],
    )


def lookup(env, client, scope, is_group, identifiers, fields=()):
    """The registrant of each of ``identifiers`` (``system``, ``value``), in their order: a ``res.partner``
    of the kind ``is_group`` that is active and that ``client`` may read with ``scope``, or None. Unknown,
    archived and unreadable are all None: a lookup tells nothing more than a read would. ``fields`` are
    fetched with the registrants."""
    if len(identifiers) > LOOKUP_LIMIT:
        raise _too_many(len(identifiers))
    if not identifiers:
        return []
    systems = sorted({identifier.system for identifier in identifiers})
    id_types = env["g2p.id.type"].search_fetch([("namespace_uri", "in", systems)], ["namespace_uri"])
    type_of = {id_type.namespace_uri: id_type.id for id_type in id_types}
    for index, identifier in enumerate(identifiers):
        if identifier.system not in type_of:
            raise invalid_field(f"identifiers[{index}].system", f"unknown identifier system {identifier.system!r}")
    env.cr.execute(
        SQL(
            """SELECT wanted.position, reg_id.partner_id
                 FROM unnest(%s::int[], %s::text[]) WITH ORDINALITY AS wanted(id_type_id, value, position)
                 JOIN g2p_reg_id reg_id ON reg_id.id_type_id = wanted.id_type_id AND reg_id.value = wanted.value""",
            [type_of[identifier.system] for identifier in identifiers],
            [identifier.value for identifier in identifiers],
        )
    )
    holder_at = dict(env.cr.fetchall())
    candidates = env["res.partner"].search_fetch(
        [("id", "in", list(set(holder_at.values()))), ("is_registrant", "=", True), ("is_group", "=", is_group)],
        fields,
    )
    readable = client._filter_readable_registrants(candidates, scope).with_env(env)
    by_id = {partner.id: partner for partner in readable}
    return [by_id.get(holder_at.get(position)) for position in range(1, len(identifiers) + 1)]

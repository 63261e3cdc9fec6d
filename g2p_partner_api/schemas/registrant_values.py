"""Registrants' wire form (``Individual``, ``Group``) built straight from the values a page's prefetch put in the
ORM cache: each field read once for all the records, and no pydantic object per nested value (an ORM field
access per field and record, and a wire model per identifier, coding, group and provenance, were four fifths of
a bulk lookup's CPU). Used only while the wire models are the module's own classes (``is_plain``): an addon's
extension is rendered by ``Individual.from_record`` / ``Group.from_record``. ``TestRegistrantValues`` keeps
both ways byte-for-byte equal."""

import json

from .base import ApiModel, assembled, utc_iso
from .group import Group, GroupMember
from .individual import GroupRef, Individual
from .page import PageLinks
from .registrant_parts import Address, Coding, Identifier, Provenance

# the classes whose fields and ``from_record`` the values below copy
PARTS = (ApiModel, Individual, GroupRef, Group, GroupMember, Identifier, Coding, Address, Provenance)


def is_plain(*schemas):
    """Whether ``schemas`` and ``PARTS`` are the classes this module defines, no addon's extension in them
    (nor in any of their bases)."""
    return not any(
        vars(klass).get("__xreg_level__", 0) for schema in (*PARTS, *schemas) for klass in assembled(schema).__mro__
    )


def to_json(value):
    """``value`` (made of dicts, lists, text, numbers, booleans and None) as the wire models serialise."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def page_values(paging, total, items):
    """``Page.of(paging, total, items)`` as JSON-ready values (``items`` already are)."""
    links = {rel: paging.links[rel] for rel in PageLinks.model_fields if paging.links.get(rel) is not None}
    return {"total": total, "page": paging.number, "page_size": paging.page_size, "items": items, "links": links}


class CacheMiss(Exception):
    """A value the prefetch did not put in the cache: the records are rendered by the wire models."""


def _column(records, name):
    """{id: the value of ``name`` as ``records[name]`` reads it from the cache} (x2many: the ids)."""
    field = records._fields[name]
    values = records.env.cache.get_until_miss(records, field)
    if len(values) < len(records._ids):
        raise CacheMiss(records._name, name)
    if field.type in ("one2many", "many2many"):
        comodel = records.env[field.comodel_name]
        if comodel._active_name and field.context.get("active_test", records.env.context.get("active_test", True)):
            # as the ORM reads an x2many: archived lines left out
            lines = comodel.browse({line_id for ids in values for line_id in ids})
            active = _column(lines, comodel._active_name)
            values = [tuple(line_id for line_id in ids if active[line_id]) for ids in values]
    elif field.type not in ("boolean", "integer", "float", "monetary"):
        values = [False if value is None else value for value in values]
    return dict(zip(records._ids, values, strict=True))


def _related(records, name):
    """The records ``name`` (a relational field of ``records``) leads to, and ``_column(records, name)``."""
    ids = _column(records, name)
    field = records._fields[name]
    targets = {target for value in ids.values() for target in (value if field.type != "many2one" else (value,))}
    return records.env[field.comodel_name].browse(target for target in targets if target), ids


def _codings(codes):
    """{id: Coding's values} of the vocabulary ``codes``."""
    uri, code, display = (_column(codes, name) for name in ("namespace_uri", "code", "display"))
    return {i: {"system": uri[i], "code": code[i], "display": display[i]} for i in codes._ids}


def _registrant_values(partners):
    """{id: the values every registrant schema answers (``RegistrantWire``'s parts)} of ``partners``."""
    col = {
        name: _column(partners, name)
        for name in ("uuid", "active", "name", "street", "city", "zip", "archived_at", "archive_reason")
    }
    countries, country_of = _related(partners, "country_id")
    country_code = _column(countries, "code")
    reg_ids, reg_ids_of = _related(partners, "reg_id_ids")
    id_types, id_type_of = _related(reg_ids, "id_type_id")
    uri, value = _column(id_types, "namespace_uri"), _column(reg_ids, "value")
    identifier = {i: {"system": uri.get(id_type_of[i], False), "value": value[i]} for i in reg_ids._ids}
    provenance = _provenance_values(partners)
    return {
        i: {
            "uuid": col["uuid"][i],
            "active": col["active"][i],
            "name": col["name"][i],
            "identifiers": [identifier[reg_id] for reg_id in reg_ids_of[i]],
            "address": {
                "street": col["street"][i] or None,
                "city": col["city"][i] or None,
                "zip": col["zip"][i] or None,
                "country": country_code.get(country_of[i]) or None,
            },
            "archived_at": utc_iso(col["archived_at"][i]),
            "archive_reason": col["archive_reason"][i] or None,
            "provenance": provenance[i],
        }
        for i in partners._ids
    }


def _iso_date(value):
    return value.isoformat() if value else None


def _in_order(schema, common, **values):
    """``common`` and ``values`` in the order of ``schema``'s fields, the order its model serialises them in."""
    return {name: values[name] if name in values else common[name] for name in schema.model_fields}


def values_of(records, build, render):
    """``build(records)``, their values read from the cache; when a value is not there, each record's wire model
    ``render(record)`` as JSON-ready values."""
    try:
        return build(records)
    except CacheMiss:
        return [render(record).model_dump(mode="json") for record in records]


def individual_values(partners, visible_groups):
    """What ``Individual.from_record(partner, visible_groups)`` answers of each of ``partners``, as JSON-ready
    values, read from the cache ``Individual.prefetch(partners)`` and ``visible_groups``' search filled (nothing
    read of a group not among them). Raises ``CacheMiss`` when a value is not there."""
    common = _registrant_values(partners)
    col = {name: _column(partners, name) for name in ("given_name", "family_name", "addl_name", "birthdate")}
    genders, gender_of = _related(partners, "gender_id")
    gender = _codings(genders)
    memberships, memberships_of = _related(partners, "group_membership_ids")
    _column(memberships, "end_date")  # read from the cache as the rest, or CacheMiss
    current = set(memberships._open_today()._ids)
    group_of = _column(memberships, "group_id")
    group_uuid = _column(visible_groups, "uuid")
    codes, kinds_of = _related(memberships, "kind_ids")
    coding = _codings(codes)
    return [
        _in_order(
            Individual,
            common[i],
            given_name=col["given_name"][i] or None,
            family_name=col["family_name"][i] or None,
            addl_name=col["addl_name"][i] or None,
            birthdate=_iso_date(col["birthdate"][i]),
            gender=gender.get(gender_of[i]),
            groups=[
                {"group": group_uuid.get(group_of[m], False), "kinds": [coding[k] for k in kinds_of[m]]}
                for m in memberships_of[i]
                if m in current and group_of[m] in group_uuid
            ],
        )
        for i in partners._ids
    ]


def group_values(groups, visible_members):
    """What ``Group.from_record(group, visible_members)`` answers of each of ``groups``, as JSON-ready values,
    read from the cache ``Group.prefetch(groups)`` and ``visible_members``' search filled (nothing read of a
    member not among them). Raises ``CacheMiss`` when a value is not there."""
    common = _registrant_values(groups)
    memberships, memberships_of = _related(groups, "group_member_ids")
    individual_of = _column(memberships, "individual_id")
    uuid, name = _column(visible_members, "uuid"), _column(visible_members, "name")
    start, end = _column(memberships, "start_date"), _column(memberships, "end_date")
    codes, kinds_of = _related(memberships, "kind_ids")
    coding = _codings(codes)
    return [
        _in_order(
            Group,
            common[i],
            members=[
                {
                    "individual": uuid[individual_of[m]],
                    "name": name[individual_of[m]],
                    "kinds": [coding[k] for k in kinds_of[m]],
                    "start_date": _iso_date(start[m]),
                    "end_date": _iso_date(end[m]),
                }
                for m in memberships_of[i]
                if individual_of[m] in uuid
            ],
        )
        for i in groups._ids
    ]


def _provenance_values(records):
    """{id: Provenance.from_record's values} of ``records`` (read as superuser, as ``from_record`` reads them)."""
    records = records.sudo()
    clients = {}
    for name in ("source_client_id", "last_source_client_id"):
        targets, client_of = _related(records, name)
        client_id = _column(targets, "client_id")
        clients[name] = {i: client_id.get(client_of[i]) or None for i in records._ids}
    system, last_system, last_date = (
        _column(records, name) for name in ("source_system", "last_source_system", "last_source_date")
    )
    return {
        i: {
            "created_by": clients["source_client_id"][i],
            "created_from": system[i] or None,
            "updated_by": clients["last_source_client_id"][i],
            "updated_from": last_system[i] or None,
            "updated_at": utc_iso(last_date[i]),
        }
        for i in records._ids
    }

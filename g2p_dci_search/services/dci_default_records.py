"""Individuals as the module's default outgoing template renders them, built straight from the registry's
values: a page or batch of records costs neither a wire model nor a template render per record (together
two fifths of a batch's CPU). A register whose template differs by one character is rendered by its
template (``g2p.dci.register._render``); ``TestDciDefaultRecords`` keeps both ways byte-for-byte equal."""

from functools import cache

from lxml import etree

from odoo.tools.misc import file_path

from odoo.addons.g2p_partner_api.services.orm_prefetch import prefetch_lines_at_once, root_fields, search_fields

from .dci_records import is_empty

DATA_FILE = "g2p_dci_search/data/g2p_dci_register_data.xml"
# the res.partner field paths ``individual_records`` reads
INDIVIDUAL_PATHS = (
    "uuid",
    "given_name",
    "addl_name",
    "family_name",
    "birthdate",
    "gender_id.code",
    "reg_id_ids.value",
    "reg_id_ids.id_type_id.namespace_uri",
    "street",
    "city",
    "zip",
    "country_id.code",
)
SPDCI_CONTEXT = (
    ("spdci", "https://schema.spdci.org/extensions/social/v1/"),
    ("common", "https://schema.spdci.org/common/v1/"),
)


@cache
def shipped_template(record_id):
    """The outgoing template the module's data gives the register ``record_id`` (its XML id in this module)."""
    tree = etree.parse(file_path(DATA_FILE))
    (field,) = tree.xpath("//record[@id=$id]/field[@name='outgoing_template']", id=record_id)
    return field.text


def renders_default_individual(register):
    """Whether ``register``'s records are individuals rendered by the default template, unchanged."""
    return register.target == "individual" and register.outgoing_template == shipped_template("register_individual")


def fetch_fields(partners):
    """The fields of res.partner to fetch with the search of records ``individual_records`` renders (and
    ``active``, which ``prefetch`` reads: else one more query)."""
    return search_fields(partners, root_fields(("active", *INDIVIDUAL_PATHS)))


def prefetch(partners):
    """Load what ``individual_records`` reads of ``partners`` in a fixed number of queries: their identifier
    lines in one statement as a REST page's (``prefetch_lines_at_once``), the leaves from reference data."""
    return prefetch_lines_at_once(partners, INDIVIDUAL_PATHS)


# (key in the record, res.partner field) of the default record's name and address
NAME_FIELDS = (("given_name", "given_name"), ("second_name", "addl_name"), ("surname", "family_name"))
ADDRESS_FIELDS = (("street_address", "street"), ("city", "city"), ("postal_code", "zip"))
# the Char fields of res.partner the default record carries as they are
PLAIN_FIELDS = tuple(name for _key, name in NAME_FIELDS + ADDRESS_FIELDS)


def individual_records(partners, id_type_names, reg_record_type):
    """{id: the record} of ``partners`` (prefetched) as the default individual template renders their wire
    form (``dci_records.individual_wire``): the same values in the same order, empty ones left out as
    ``without_empty`` leaves them out. Built so directly (the generic walk over each record was a third of
    its cost), a column at a time: the values each field access would give, taken from the ORM cache for
    all the records at once (a record reads some 25 fields, and the access of one field of one record
    cost more than building the record; ``_record_values``)."""
    if not partners:
        return {}
    columns = [_record_values(partners, name) for name in ("uuid", "birthdate", *PLAIN_FIELDS)]
    genders = _many2one_values(partners, "gender_id", "code", empty=None)
    countries = _many2one_values(partners, "country_id", "code")
    reg_ids = partners._fields["reg_id_ids"]
    lines = reg_ids.mapped(partners)  # fetched if missing, as ``partner.reg_id_ids`` would
    line_values = dict(zip(lines._ids, _record_values(lines, "value"), strict=True))
    line_systems = dict(zip(lines._ids, _many2one_values(lines, "id_type_id", "namespace_uri"), strict=True))
    visible = set(lines._ids)  # the lines ``partner.reg_id_ids`` gives (active ones, when lines have ``active``)
    names = len(NAME_FIELDS)
    name_keys = [key for key, _name in NAME_FIELDS]
    address_keys = [key for key, _name in ADDRESS_FIELDS]
    records = {}
    for partner_id, line_ids, gender, country, (uuid, birthdate, *plain) in zip(
        partners._ids,
        _cache_values(partners, reg_ids),
        genders,
        countries,
        zip(*columns, strict=True),
        strict=True,
    ):
        identifiers = (
            _typed(
                "Identifier",
                (("identifier_type", id_type_names.get(system, system)), ("identifier_value", line_values[line_id])),
            )
            for line_id in line_ids
            if line_id in visible
            for system in (line_systems[line_id],)
        )
        address = [(key, value or None) for key, value in zip(address_keys, plain[names:], strict=True)]
        address.append(("country", country or None))
        parts = (
            ("@type", reg_record_type),
            ("identifier", [identifier for identifier in identifiers if identifier]),
            (
                "name",
                _typed("Name", ((key, value or None) for key, value in zip(name_keys, plain[:names], strict=True))),
            ),
            ("birth_date", birthdate.isoformat() if birthdate else None),
            ("sex", gender),
            ("address", _typed("Address", address)),
        )
        record = {"@context": dict(SPDCI_CONTEXT), "@id": f"urn:uuid:{uuid}"}
        record.update((key, value) for key, value in parts if not is_empty(value))
        records[partner_id] = record
    return records


def _cache_values(records, field):
    """[the value of ``field`` of each of ``records``] as the ORM cache holds it, computed or fetched first
    where missing, as ``Field.mapped`` does."""
    if field.compute and field.store:
        field.recompute(records)
    values = list(records.env.cache.get_until_miss(records, field))
    if len(values) < len(records):
        field.mapped(records)
        values = list(records.env.cache.get_until_miss(records, field))
    return values


def _record_values(records, name):
    """``records._fields[name].mapped(records)`` (``record[name]`` for each of ``records``) without building a
    record for each value to convert it, which cost more than the records built from those values: a Char
    or Date that is not translated is its cached value, None read as False (``convert_to_record``)."""
    field = records._fields[name]
    if field.translate or field.type not in ("char", "date"):
        return field.mapped(records)
    return [False if value is None else value for value in _cache_values(records, field)]


def _many2one_values(records, name, leaf, empty=False):
    """[``record[name][leaf]`` for each of ``records``] in order, ``empty`` where ``name`` is empty (an
    empty record's field reads False)."""
    field = records._fields[name]
    targets = field.mapped(records)  # fetched if missing, as ``record[name]`` would
    by_id = dict(zip(targets._ids, _record_values(targets, leaf), strict=True))
    return [by_id[target_id] if target_id else empty for target_id in _cache_values(records, field)]


def _typed(json_ld_type, values):
    """``{"@type": json_ld_type, **dict(values)}`` without its empty values (flat: no value is a list or
    an object), None when nothing but the type is left: what ``without_empty`` makes of such an object."""
    kept = {key: value for key, value in values if value is not None and value != ""}
    return {"@type": json_ld_type, **kept} if kept else None

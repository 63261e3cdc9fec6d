"""Individuals as the module's default outgoing template renders them, built straight from the registry's
values: a page or batch of records costs neither a wire model nor a template render per record (together
two fifths of a batch's CPU). A register whose template differs by one character is rendered by its
template (``g2p.dci.register._render``); ``TestDciDefaultRecords`` keeps both ways byte-for-byte equal."""

from functools import cache

from lxml import etree

from odoo.tools.misc import file_path

from odoo.addons.g2p_partner_api.services.orm_prefetch import prefetch_paths, root_fields, search_fields

from .dci_records import is_empty

DATA_FILE = "g2p_dci_search/data/g2p_dci_register_data.xml"
# the res.partner field paths ``individual_record`` reads
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
    """The fields of res.partner to fetch with the search of records ``individual_record`` renders (and
    ``active``, which ``prefetch`` reads: else one more query)."""
    return search_fields(partners, root_fields(("active", *INDIVIDUAL_PATHS)))


def prefetch(partners):
    """Load what ``individual_record`` reads of ``partners`` in a fixed number of queries."""
    return prefetch_paths(partners, INDIVIDUAL_PATHS)


# (key in the record, res.partner field) of the default record's name and address
NAME_FIELDS = (("given_name", "given_name"), ("second_name", "addl_name"), ("surname", "family_name"))
ADDRESS_FIELDS = (("street_address", "street"), ("city", "city"), ("postal_code", "zip"))


def individual_record(partner, id_type_names, reg_record_type):
    """``partner`` as the default individual template renders its wire form (``dci_records.individual_wire``):
    the same values in the same order, empty ones left out as ``without_empty`` leaves them out (built
    so directly: the generic walk over each record was a third of its cost)."""
    gender = partner.gender_id
    identifiers = (
        _typed(
            "Identifier",
            (("identifier_type", id_type_names.get(system, system)), ("identifier_value", reg_id.value)),
        )
        for reg_id in partner.reg_id_ids
        for system in (reg_id.id_type_id.namespace_uri,)
    )
    address = [(key, partner[name] or None) for key, name in ADDRESS_FIELDS]
    address.append(("country", partner.country_id.code or None))
    parts = (
        ("@type", reg_record_type),
        ("identifier", [identifier for identifier in identifiers if identifier]),
        ("name", _typed("Name", ((key, partner[name] or None) for key, name in NAME_FIELDS))),
        ("birth_date", partner.birthdate.isoformat() if partner.birthdate else None),
        ("sex", gender.code if gender else None),
        ("address", _typed("Address", address)),
    )
    record = {"@context": dict(SPDCI_CONTEXT), "@id": f"urn:uuid:{partner.uuid}"}
    record.update((key, value) for key, value in parts if not is_empty(value))
    return record


def _typed(json_ld_type, values):
    """``{"@type": json_ld_type, **dict(values)}`` without its empty values (flat: no value is a list or
    an object), None when nothing but the type is left: what ``without_empty`` makes of such an object."""
    kept = {key: value for key, value in values if not is_empty(value)}
    return {"@type": json_ld_type, **kept} if kept else None

"""Individuals as the module's default outgoing template renders them, built straight from the registry's
values: a page or batch of records costs neither a wire model nor a template render per record (together
two fifths of a batch's CPU). A register whose template differs by one character is rendered by its
template (``g2p.dci.register._render``); ``TestDciDefaultRecords`` keeps both ways byte-for-byte equal."""

from functools import cache

from lxml import etree

from odoo.tools.misc import file_path

from odoo.addons.g2p_partner_api.services.orm_prefetch import prefetch_paths, root_fields, search_fields

from .dci_records import without_empty

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


def individual_record(partner, id_type_names, reg_record_type):
    """``partner`` as the default individual template renders its wire form (``dci_records.individual_wire``):
    the same values in the same order, empty ones left out (``without_empty``)."""
    gender = partner.gender_id
    return without_empty(
        {
            "@context": dict(SPDCI_CONTEXT),
            "@id": f"urn:uuid:{partner.uuid}",
            "@type": reg_record_type,
            "identifier": [
                {
                    "@type": "Identifier",
                    "identifier_type": id_type_names.get(system, system),
                    "identifier_value": reg_id.value,
                }
                for reg_id in partner.reg_id_ids
                for system in (reg_id.id_type_id.namespace_uri,)
            ],
            "name": {
                "@type": "Name",
                "given_name": partner.given_name or None,
                "second_name": partner.addl_name or None,
                "surname": partner.family_name or None,
            },
            "birth_date": partner.birthdate.isoformat() if partner.birthdate else None,
            "sex": gender.code if gender else None,
            "address": {
                "@type": "Address",
                "street_address": partner.street or None,
                "city": partner.city or None,
                "postal_code": partner.zip or None,
                "country": partner.country_id.code or None,
            },
        }
    )

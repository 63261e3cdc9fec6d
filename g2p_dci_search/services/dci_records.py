"""Registry records as the SPDCI spec's examples show them: what outgoing templates are given, and
what is left of their output (no empty values)."""

from functools import lru_cache

import pycountry

from odoo.addons.g2p_partner_api.schemas.base import assembled
from odoo.addons.g2p_partner_api.schemas.group import Group
from odoo.addons.g2p_partner_api.schemas.individual import Individual

JSON_LD_KEYWORDS = ("@context", "@id", "@type")


def individual_wire(register, partner, readable_groups, id_type_names=None):
    """An individual as the REST API shows it (only the groups among ``readable_groups``, the res.partner
    ``visible_groups`` gives), each identifier also carrying its DCI ``identifier_type``."""
    wire = assembled(Individual).from_record(partner, readable_groups).model_dump(mode="json")
    _name_identifiers(wire, register._dci_id_type_names() if id_type_names is None else id_type_names)
    return wire


def group_wire(register, group, visible_members, readable_groups):
    """A household as the REST API shows it (only ``visible_members``), each member with its ``person``
    (the member as an individual, its groups among ``readable_groups``), ``size`` (count of the current members
    among ``visible_members``: a member the client may not read is not counted either) and DCI identifier
    type names. ``visible_members`` and ``readable_groups``: res.partner as ``registry_service.visible_members``
    and ``visible_groups`` give them (nothing is read of another)."""
    names = register._dci_id_type_names()
    wire = Group.from_record(group, visible_members).model_dump(mode="json")
    people = {person.uuid: individual_wire(register, person, readable_groups, names) for person in visible_members}
    for member in wire["members"]:
        member["person"] = people.get(member["individual"])
    wire["size"] = len(group.group_member_ids._open_today().filtered(lambda m: m.individual_id in visible_members))
    _name_identifiers(wire, names)
    return wire


def _name_identifiers(wire, names):
    # an id type no register maps keeps its namespace URI, which idtype-value searches also accept
    for identifier in wire.get("identifiers") or []:
        identifier["identifier_type"] = names.get(identifier["system"], identifier["system"])


def without_empty(value):
    """``value`` without null, empty strings, empty lists and objects (nor objects left with JSON-LD
    keywords only): the spec's records omit what is not known."""
    if isinstance(value, dict):
        cleaned = {k: v for k, v in ((k, without_empty(v)) for k, v in value.items()) if not is_empty(v)}
        return {} if all(k in JSON_LD_KEYWORDS for k in cleaned) and "@id" not in cleaned else cleaned
    if isinstance(value, list):
        return [v for v in (without_empty(v) for v in value) if not is_empty(v)]
    return value


# the types of value ``without_empty`` leaves out when empty: made once (a union built per call was half the
# cost of ``is_empty``, which a batch calls some 600 times)
EMPTIABLE = str | list | dict


def is_empty(value):
    """Whether ``without_empty`` leaves ``value`` out: null, an empty string, list or object."""
    return value is None or (isinstance(value, EMPTIABLE) and not value)


@lru_cache(maxsize=256)
def spec_locale(locale):
    """The spec's ISO 639-3 code (``^[a-z]{3}$``) for a locale a participant sent (``en``, ``en-GB``, ``eng``);
    the value unchanged when it is no known language (the spec check then reports it)."""
    if not isinstance(locale, str):
        return locale
    code = locale.strip().replace("_", "-").split("-")[0].lower()
    if len(code) not in (2, 3) or not code.isalpha():
        return locale
    languages = pycountry.languages
    # ISO 639-1 (en), 639-3 (eng) or 639-2/B (fre)
    language = (
        languages.get(alpha_2=code)
        if len(code) == 2
        else languages.get(alpha_3=code) or languages.get(bibliographic=code)
    )
    return language.alpha_3 if language else locale

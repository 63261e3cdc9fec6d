"""Registry rules checked while a write body is parsed, in the same pass as its schema.

A body is answered with every problem it has, each at its JSON pointer: the schema's own
checks (types, lengths, required members) and these rules of the registry (a birth date in the
future, an unknown code or identifier system, a value off its identifier type's pattern, the
same identifier twice, an unknown country) are all pydantic errors of one validation. Each
member is checked only once it parsed; a list is checked for repeats once all its items parsed.

The rules read the registry through the call's Odoo environment; outside an API call (no
environment) they pass, and ``registry_service`` still refuses what cannot be stored.
"""

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from odoo.addons.fastapi.context import odoo_env_ctx

from ..services import country_codes
from ..services.call_cache import once_per_call
from ..services.registry_calendar import registry_today
from ..services.vocabularies import GENDER_VOCABULARY, KIND_VOCABULARY
from .base import IsoDate
from .registrant_parts import Address, Coding, Identifier


def _problem(code, message, at=()):
    """A pydantic error whose type is one of ``problem_details.FIELD_CODES``; ``at``: the member, below
    the value being checked, that the problem is about (its pointer then names that member)."""
    return PydanticCustomError(code, message, {"at": list(at)} if at else None)


def _today(env):
    return registry_today(env) if env is not None else date.today()


def not_in_future(value):
    if value is not None:
        today = _today(odoo_env_ctx.get(None))
        if value > today:
            raise _problem("out_of_range", f"must not be in the future (today is {today.isoformat()})")
    return value


def _id_type(env, system):
    """(exists, value pattern) of the identifier system ``system``, looked up once per call."""

    def lookup():
        id_type = env["g2p.id.type"].search([("namespace_uri", "=", system)], limit=1)
        return bool(id_type), id_type.value_regex or None

    return once_per_call(("g2p_id_type", system), lookup)


def known_identifier(identifier):
    env = odoo_env_ctx.get(None)
    if env is None:
        return identifier
    exists, pattern = _id_type(env, identifier.system)
    if not exists:
        raise _problem("unknown_identifier_system", f"unknown identifier system {identifier.system!r}", ["system"])
    if pattern and not re.fullmatch(pattern, identifier.value):
        raise _problem("pattern_mismatch", f"does not match the format of {identifier.system}", ["value"])
    return identifier


def distinct_identifiers(identifiers):
    if identifiers:
        seen = set()
        for index, identifier in enumerate(identifiers):
            key = (identifier.system, identifier.value)
            if key in seen:
                raise _problem("duplicate_value", "the same identifier is given twice", [index])
            seen.add(key)
    return identifiers


def in_vocabulary(vocabulary):
    """Validator of a code of ``vocabulary``: its system must be the vocabulary, its code one of it."""

    def check(coding):
        if coding.system != vocabulary:
            raise _problem("not_allowed", f"system must be {vocabulary}", ["system"])
        env = odoo_env_ctx.get(None)
        if env is not None:
            known = once_per_call(
                ("g2p_vocabulary_code", coding.system, coding.code),
                lambda: bool(
                    env["g2p.vocabulary.code"].search_count(
                        [("namespace_uri", "=", coding.system), ("code", "=", coding.code)], limit=1
                    )
                ),
            )
            if not known:
                raise _problem("unknown_code", f"unknown code {coding.code!r} in vocabulary {vocabulary}", ["code"])
        return coding

    return check


def known_country(address):
    env = odoo_env_ctx.get(None)
    if env is not None and address.country is not None and not country_codes.find_country(env, address.country):
        raise _problem("unknown_code", f"{address.country!r} is not {country_codes.EXPECTED}", ["country"])
    return address


BirthDate = Annotated[IsoDate, AfterValidator(not_in_future)]
KnownIdentifier = Annotated[Identifier, AfterValidator(known_identifier)]
GenderCode = Annotated[Coding, AfterValidator(in_vocabulary(GENDER_VOCABULARY))]
MembershipKind = Annotated[Coding, AfterValidator(in_vocabulary(KIND_VOCABULARY))]
KnownAddress = Annotated[Address, AfterValidator(known_country)]
# a write body's identifiers: each of a known system and on its pattern, none twice
KnownIdentifiers = Annotated[list[KnownIdentifier], AfterValidator(distinct_identifiers)]

"""Registrants that may be the same person as a proposed individual (issue #19).

A candidate shares an identifier of any type with the proposal (same system and value), or has a
similar full name (PostgreSQL ``pg_trgm`` similarity, accent- and case-insensitive) and the same
birth date (birth year ± 1 when only the year is known), and optionally the same locality.

The name is compared on ``res.partner.match_name``, the name without accents and in lower case,
kept by the ORM and indexed with Odoo's own trigram index, so one search is an index lookup.
The SQL expression below is the one the index is built on (Odoo wraps the column in ``unaccent``
when that function is immutable), otherwise PostgreSQL would scan the table.

No HTTP here: the ingest pipeline and the REST app call the same function.
"""

import datetime
from dataclasses import dataclass, field

from odoo.modules.db import FunctionStatus
from odoo.tools import SQL

THRESHOLD_PARAM = "g2p_partner_api.duplicate_name_threshold"
LOCALITY_PARAM = "g2p_partner_api.duplicate_same_locality"
DEFAULT_THRESHOLD = 0.6
CANDIDATE_LIMIT = 5


@dataclass
class Candidate:
    """One registrant that may be the proposed person, and why."""

    partner_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    same_identifier: bool = False


@dataclass(frozen=True)
class Settings:
    threshold: float = DEFAULT_THRESHOLD
    same_locality: bool = False

    @classmethod
    def from_env(cls, env):
        params = env["ir.config_parameter"].sudo()
        try:
            threshold = float(params.get_param(THRESHOLD_PARAM, DEFAULT_THRESHOLD))
        except ValueError:
            threshold = DEFAULT_THRESHOLD
        same_locality = (params.get_param(LOCALITY_PARAM) or "").lower() in ("1", "true", "yes")
        return cls(min(max(threshold, 0.05), 1.0), same_locality)


def _birth(person):
    """(exact date, year) of the proposal: a date, an ISO string, or a year alone (int or "YYYY")."""
    value = person.get("birthdate")
    if isinstance(value, datetime.date):
        return value, value.year
    text = str(value or person.get("birth_year") or "").strip()
    if len(text) >= 10:
        try:
            day = datetime.date.fromisoformat(text[:10])
        except ValueError:
            return None, None
        return day, day.year
    if text[:4].isdigit():
        return None, int(text[:4])
    return None, None


def _full_name(env, person):
    if person.get("name"):
        return person["name"]
    return env["res.partner"]._compose_name(
        person.get("given_name"), person.get("addl_name"), person.get("family_name")
    )


def _by_identifier(env, identifiers, exclude_ids):
    pairs = tuple({(i["system"], i["value"]) for i in identifiers if i.get("system") and i.get("value")})
    if not pairs:
        return {}
    rows = env.execute_query(
        SQL(
            """SELECT r.partner_id, r.id_type_id FROM g2p_reg_id r
               JOIN g2p_id_type t ON t.id = r.id_type_id
               JOIN res_partner p ON p.id = r.partner_id
               WHERE (t.namespace_uri, r.value) IN %s AND p.is_registrant AND p.is_group IS NOT TRUE AND p.active
               AND NOT (p.id = ANY(%s)) ORDER BY r.partner_id, r.id_type_id""",
            pairs,
            list(exclude_ids),
        )
    )
    found = {}
    IdType = env["g2p.id.type"]
    for partner_id, id_type_id in rows:
        candidate = found.setdefault(partner_id, Candidate(partner_id, 1.0, same_identifier=True))
        candidate.reasons.append(env._("Same %s", IdType.browse(id_type_id).name))
    return found


def match_name_expression(env, value):
    """``value`` (SQL) as the trigram index of ``match_name`` holds it."""
    return env.registry.unaccent(value) if env.registry.has_unaccent == FunctionStatus.INDEXABLE else value


# pg_trgm's similarity operator: the condition its GIN index answers (threshold: pg_trgm.similarity_threshold,
# see prepare()); a format string holds it as an escaped "%", which only an SQL of its own may carry
SIMILAR = SQL("%%")


def name_condition(env, name):
    """``match_name`` similar to ``name`` (already normalised), in the form the trigram index answers."""
    column = match_name_expression(env, SQL.identifier("res_partner", "match_name"))
    return SQL("%s %s %s", column, SIMILAR, match_name_expression(env, SQL("%s", name)))


def name_query(env, person, settings, exclude_ids=()):
    """The SQL of the name search for ``person`` (None when it has no name or birth year): ids and scores."""
    day, year = _birth(person)
    name = env["res.partner"]._match_name(_full_name(env, person))
    if not (name and year and env.registry.has_trigram):
        return None
    column = match_name_expression(env, SQL.identifier("res_partner", "match_name"))
    if day:
        birth = SQL("res_partner.birthdate = %s", day)
    else:
        birth = SQL(
            "res_partner.birthdate BETWEEN %s AND %s", datetime.date(year - 1, 1, 1), datetime.date(year + 1, 12, 31)
        )
    locality = SQL()
    if settings.same_locality and person.get("city"):
        locality = SQL("AND lower(res_partner.city) = lower(%s)", person["city"])
    return SQL(
        """SELECT res_partner.id, similarity(%(column)s, %(query)s) AS score FROM res_partner
           WHERE %(similar)s AND %(birth)s %(locality)s
           AND res_partner.is_registrant AND res_partner.is_group IS NOT TRUE AND res_partner.active
           AND NOT (res_partner.id = ANY(%(exclude)s))
           ORDER BY score DESC, res_partner.id LIMIT %(limit)s""",
        column=column,
        query=match_name_expression(env, SQL("%s", name)),
        similar=name_condition(env, name),
        birth=birth,
        locality=locality,
        exclude=list(exclude_ids),
        limit=CANDIDATE_LIMIT,
    )


def _by_name(env, person, settings, exclude_ids):
    query = name_query(env, person, settings, exclude_ids)
    if query is None:
        return {}
    day, year = _birth(person)
    why = env._("and same birth date") if day else env._("and birth year within one year of %s", year)
    return {
        partner_id: Candidate(
            partner_id, round(score, 2), [env._("Similar name (%(score).2f) %(why)s", score=score, why=why)]
        )
        for partner_id, score in env.execute_query(query)
        if score >= settings.threshold
    }


def prepare(env, settings):
    """Once per transaction (or batch) before ``find``: the similarity threshold the index search uses."""
    if env.registry.has_trigram:
        env.cr.execute(SQL("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", str(settings.threshold)))


def find(env, person, settings=None, by_name=True, exclude_ids=()):
    """Candidates (best first) for ``person``, a canonical individual: ``given_name``, ``family_name``,
    ``addl_name`` (or ``name``), ``birthdate`` (date, ISO text, or a year alone), ``identifiers``
    ([{system, value}]), ``city``. Call ``prepare`` first in the same transaction when ``by_name``."""
    settings = settings or Settings.from_env(env)
    # the searches below are SQL: what the ORM still holds in memory must reach the tables first
    env["res.partner"].flush_model(["match_name", "birthdate", "city", "is_registrant", "is_group", "active"])
    env["g2p.reg.id"].flush_model(["partner_id", "id_type_id", "value"])
    env["g2p.id.type"].flush_model(["namespace_uri"])
    found = _by_identifier(env, person.get("identifiers") or [], exclude_ids)
    if by_name:
        for partner_id, candidate in _by_name(env, person, settings, exclude_ids).items():
            if partner_id in found:
                found[partner_id].reasons.extend(candidate.reasons)
            else:
                found[partner_id] = candidate
    return sorted(found.values(), key=lambda c: (-c.score, c.partner_id))[:CANDIDATE_LIMIT]

"""Registrants that may be the same person as a proposed individual (issue #19).

A candidate shares an identifier of any type with the proposal (same system and value), or has a
similar full name (PostgreSQL ``pg_trgm`` similarity, accent- and case-insensitive) and the same
birth date (birth year ± 1 when only the year is known), and optionally the same locality.

The name is compared on ``res.partner.match_name``, the name without accents and in lower case,
kept by the ORM and indexed with Odoo's own trigram index, and with the birth date in one GiST index
(``res_partner.DUPLICATE_SEARCH_INDEX``, when PostgreSQL has ``btree_gist``): the name and date
conditions and the individuals' filter below are the ones that index answers, so a registrant born that
day whose name is not similar is ruled out in the index rather than read from the table. The SQL
expression below is the one the indexes are built on (Odoo wraps the column in ``unaccent`` when that
function is immutable), otherwise PostgreSQL would scan the table.

No HTTP here: the ingest pipeline and the REST app call the same function.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from odoo.modules.db import FunctionStatus
from odoo.tools import SQL

from . import system_parameters

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


class PossibleDuplicate(NamedTuple):
    """A candidate found for one person a proposal would add: the person (a household member by its index and
    label, or the individual itself: -1 and no label) and the ``Candidate``."""

    member_index: int
    member_label: str
    candidate: Candidate


class Wanted(NamedTuple):
    """One person searched by name in a chunk: a row of the ``unnest`` the names query joins on."""

    position: int  # in the chunk's people
    name: str
    first_day: datetime.date
    last_day: datetime.date
    city: str | None


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
        same_locality = system_parameters.switch(params.get_param(LOCALITY_PARAM), False)
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


def _pairs(identifiers):
    return {(i["system"], i["value"]) for i in identifiers if i.get("system") and i.get("value")}


def _by_identifier(env, people, exclude_ids):
    """{partner id: Candidate} sharing an identifier, for each of ``people``: one query for all."""
    wanted = [_pairs(person.get("identifiers") or []) for person in people]
    pairs = tuple(set().union(*wanted))
    if not pairs:
        return [{} for _person in people]
    rows = env.execute_query(
        SQL(
            """SELECT r.partner_id, r.id_type_id, t.namespace_uri, r.value FROM g2p_reg_id r
               JOIN g2p_id_type t ON t.id = r.id_type_id
               JOIN res_partner p ON p.id = r.partner_id
               WHERE (t.namespace_uri, r.value) IN %s AND p.is_registrant AND p.is_group IS NOT TRUE AND p.active
               AND NOT (p.id = ANY(%s)) ORDER BY r.partner_id, r.id_type_id""",
            pairs,
            list(exclude_ids),
        )
    )
    IdType = env["g2p.id.type"]
    found = [{} for _person in people]
    for partner_id, id_type_id, system, value in rows:
        for person_found, person_pairs in zip(found, wanted, strict=True):
            if (system, value) in person_pairs:
                candidate = person_found.setdefault(partner_id, Candidate(partner_id, 1.0, same_identifier=True))
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


def names_queries(env, people, settings, exclude_ids=()):
    """``name_query`` of each of ``people`` in two statements, one for those born on a known day and one
    for those with a birth year alone (so that PostgreSQL plans each as it plans one person's: a day or
    a span of years, with the name, in the GiST index of both). Rows of (position in
    ``people``, partner id, score), each person's best ``CANDIDATE_LIMIT`` first."""
    on_a_day, in_years = [], []
    for position, person in enumerate(people):
        name = env["res.partner"]._match_name(_full_name(env, person))
        day, year = _birth(person)
        if not (name and year and env.registry.has_trigram):
            continue
        city = (person.get("city") if settings.same_locality else None) or None
        if day:
            on_a_day.append(Wanted(position, name, day, day, city))
        else:
            in_years.append(
                Wanted(position, name, datetime.date(year - 1, 1, 1), datetime.date(year + 1, 12, 31), city)
            )
    birth_on_day = SQL("res_partner.birthdate = wanted.first_day")
    birth_in_years = SQL("res_partner.birthdate BETWEEN wanted.first_day AND wanted.last_day")
    return [
        _names_query(env, searched, birth, exclude_ids)
        for searched, birth in ((on_a_day, birth_on_day), (in_years, birth_in_years))
        if searched
    ]


def _names_query(env, searched, birth, exclude_ids):
    """The names query of the ``Wanted`` rows ``searched``: each column of theirs is one array of the ``unnest``."""
    column = match_name_expression(env, SQL.identifier("res_partner", "match_name"))
    name = match_name_expression(env, SQL("wanted.name"))
    wanted = dict(zip(Wanted._fields, (list(values) for values in zip(*searched, strict=True)), strict=True))
    return SQL(
        """SELECT wanted.position, found.id, found.score
             FROM unnest(%(position)s::int[], %(name)s::text[], %(first_day)s::date[], %(last_day)s::date[],
                         %(city)s::text[]) AS wanted(position, name, first_day, last_day, city)
             CROSS JOIN LATERAL (
                SELECT res_partner.id, similarity(%(column)s, %(wanted_name)s) AS score FROM res_partner
                 WHERE %(column)s %(similar)s %(wanted_name)s AND %(birth)s
                   AND (wanted.city IS NULL OR lower(res_partner.city) = lower(wanted.city))
                   AND res_partner.is_registrant AND res_partner.is_group IS NOT TRUE AND res_partner.active
                   AND NOT (res_partner.id = ANY(%(exclude)s))
                 ORDER BY score DESC, res_partner.id LIMIT %(limit)s) AS found""",
        **wanted,
        column=column,
        wanted_name=name,
        similar=SIMILAR,
        birth=birth,
        exclude=list(exclude_ids),
        limit=CANDIDATE_LIMIT,
    )


def _by_names(env, people, settings, exclude_ids):
    """{partner id: Candidate} with a similar name and birth date, for each of ``people``: two queries for all."""
    found = [{} for _person in people]
    for query in names_queries(env, people, settings, exclude_ids):
        for position, partner_id, score in env.execute_query(query):
            if score < settings.threshold:
                continue
            day, year = _birth(people[position])
            why = env._("and same birth date") if day else env._("and birth year within one year of %s", year)
            found[position][partner_id] = Candidate(
                partner_id, round(score, 2), [env._("Similar name (%(score).2f) %(why)s", score=score, why=why)]
            )
    return found


def prepare(env, settings):
    """Once per transaction (or batch) before ``find``: the similarity threshold the index search uses."""
    if env.registry.has_trigram:
        env.cr.execute(SQL("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", str(settings.threshold)))


def find(env, person, settings=None, by_name=True, exclude_ids=()):
    """Candidates (best first) for ``person``, a canonical individual: ``given_name``, ``family_name``,
    ``addl_name`` (or ``name``), ``birthdate`` (date, ISO text, or a year alone), ``identifiers``
    ([{system, value}]), ``city``. Call ``prepare`` first in the same transaction when ``by_name``."""
    return find_many(env, [person], settings, by_name, exclude_ids)[0]


def find_many(env, people, settings=None, by_name=True, exclude_ids=()):
    """``find`` for each of ``people`` (a chunk of ingested items), in two queries whatever their number."""
    settings = settings or Settings.from_env(env)
    if not people:
        return []
    # the searches below are SQL: what the ORM still holds in memory must reach the tables first
    env["res.partner"].flush_model(["match_name", "birthdate", "city", "is_registrant", "is_group", "active"])
    env["g2p.reg.id"].flush_model(["partner_id", "id_type_id", "value"])
    env["g2p.id.type"].flush_model(["namespace_uri"])
    found = _by_identifier(env, people, exclude_ids)
    by_names = _by_names(env, people, settings, exclude_ids) if by_name else [{} for _person in people]
    answers = []
    for person_found, similar in zip(found, by_names, strict=True):
        for partner_id, candidate in similar.items():
            if partner_id in person_found:
                person_found[partner_id].reasons.extend(candidate.reasons)
            else:
                person_found[partner_id] = candidate
        answers.append(sorted(person_found.values(), key=lambda c: (-c.score, c.partner_id))[:CANDIDATE_LIMIT])
    return answers

"""Registry rules behind the REST resources: lookups, wire → ORM values, visible searches.

No HTTP here: routers parse and shape, this module decides, so the same rules serve the
REST app, the ingest pipeline and tests.
"""

from odoo import _
from odoo.exceptions import ValidationError

from . import country_codes, duplicate_finder, registrant_writer
from .orm_prefetch import RelatedSearch, search_fields
from .problem_details import body_error, parameter_error
from .registry_calendar import registry_today
from .registry_errors import Conflict, Gone, Invalid, NotFound, ScopeMissing
from .resource_version import check_if_match, check_read_only_nested
from .vocabularies import GENDER_VOCABULARY, KIND_VOCABULARY

GROUP_READ = "group:read"
GROUP_WRITE = "group:write"
INDIVIDUAL_WRITE = "individual:write"


def not_found(kind, uuid):
    return NotFound(f"{kind} {uuid} not found.")


def gone(kind, uuid, archived_at):
    when = archived_at.isoformat() + "Z" if archived_at else "an unrecorded date"
    return Gone(f"{kind} {uuid} was archived on {when}.", archived_at=when)


def parse_identifier(text):
    """``system|value`` (the FHIR token syntax) → (system, value); 422 when malformed."""
    system, sep, value = (text or "").partition("|")
    if not sep or not system or not value:
        raise Invalid(
            "identifier must be <system>|<value>.",
            errors=[parameter_error("identifier", "invalid_format", "expected <system>|<value>")],
        )
    return system, value


def known_system(env, system):
    """``system`` when it is the namespace URI of an identifier type; else 422 naming it, as an unknown system in a
    body is (a search by a system the registry does not know would find nobody: read as "not registered")."""
    # id types are reference data every worker keeps (g2p.reference.data): a search names one without a query
    if system not in env["g2p.reference.data"]._distinct_values("g2p.id.type", "namespace_uri"):
        message = (
            f"identifier: unknown identifier system {system!r}; give the namespace URI of an identifier type "
            "(GET /api/v2/IdType lists them, e.g. urn:g2p:id:national-id)."
        )
        raise Invalid(message, [body_error("identifier", "invalid_value", f"unknown identifier system {system!r}")])
    return system


def registrant_domain(is_group, identifier=None, name=None, birthdate=None, env=None):
    """The search domain of a registrant search; with ``env``, the identifier's system must be known."""
    if "\x00" in f"{identifier or ''}{name or ''}":
        raise Invalid("NUL characters are not allowed in queries.")
    domain = [("is_registrant", "=", True), ("is_group", "=", is_group)]
    if identifier:
        system, value = parse_identifier(identifier)
        if env is not None:
            known_system(env, system)
        # both conditions on the same identifier row
        domain += [("reg_id_ids", "any", [("id_type_id.namespace_uri", "=", system), ("value", "=", value)])]
    if name:
        domain += [("name", "ilike", name)]
    if birthdate:
        domain += [("birthdate", "=", birthdate)]
    return domain


def search_visible(model, client, scope, domain, paging, fields=(), include_archived=False):
    """(total, page of records) among what ``client`` may read with ``scope``; ``fields`` are
    fetched by the search query itself; archived records only with ``include_archived``.

    The access hook contributes a domain, so consent filtering happens in SQL before
    paging: ``total`` counts only visible records and pages are never short. ``paging``
    (``services.paging.PageRequest``) gives the order, the offset or the cursor's keyset
    condition, and makes the page's links; one record more than a page tells whether a next
    (or, going back, a previous) page exists.
    """
    if model._name == "res.partner":
        domain = domain + client._readable_registrant_domain(scope)
    searched = model.with_context(active_test=False) if include_archived else model
    backwards = bool(paging.position and paging.position.backwards)
    query = searched._search(
        domain, offset=paging.offset, limit=paging.page_size + 1, order=paging.sort.order(backwards)
    )
    if paging.position and not query.is_empty():
        query.add_where(paging.keyset(searched))
    fetched = searched.browse()
    if not query.is_empty():
        names = set(search_fields(searched, {*fields, paging.sort.column} - {"id"}))
        fetched = searched._fetch_query(query, searched._determine_fields_to_fetch(names))
    more = len(fetched) > paging.page_size
    records = paging.window(fetched, more)
    if not paging.position and not more and (records or not paging.offset):
        total = paging.offset + len(records)  # the last page: no count query needed
    else:
        total = searched.search_count(domain)
    return total, records.with_env(model.env)


def get_registrant(env, client, uuid, is_group, scope, fields=()):
    """The registrant ``client`` may access with ``scope``: 404 when unknown or not readable (alike), 410 archived."""
    kind = "Group" if is_group else "Individual"
    Partner = env["res.partner"].with_context(active_test=False)
    partner = (
        Partner.search_fetch(
            [("uuid", "=", uuid), ("is_registrant", "=", True), ("is_group", "=", is_group)],
            search_fields(Partner, fields),
            limit=1,
        )
        if uuid
        else Partner
    )
    if not partner:
        raise not_found(kind, uuid)
    # readability first: a client that may not read the registrant is not told it was archived, nor when
    client._check_registrant_readable(partner, scope)
    if not partner.active:
        raise gone(kind, uuid, partner.archived_at)
    return partner.with_env(env)


def registrant_for_write(env, client, uuid, is_group, scope, if_match, to_wire):
    """The registrant ``client`` may write, once ``If-Match`` is checked against its wire form
    ``to_wire(client, registrants)`` as this client reads it."""
    partner = get_registrant(env, client, uuid, is_group, scope)
    check_if_match(if_match, lambda: to_wire(client, partner)[0])
    return partner


def archive_reason(body, header):
    """The reason for an archive, from the body or the X-Reason header (as text); refused without one."""
    reason = (body.reason if body else header or "").strip()
    if not reason:
        raise Invalid(
            'Say why: send {"reason": "..."} or the X-Reason header.',
            errors=[body_error("reason", "required", "a reason is required")],
        )
    return reason


def flush_and_reread(records):
    """``records`` as the database now holds them, for an answer after a write: the same form, and
    so the same ETag, that the next read will give. Flushes every pending write and empties the whole
    cache (what a write changed reaches beyond ``records``: identifiers, memberships, computed fields)."""
    records.env.flush_all()
    records.env.invalidate_all()
    return records


def reader_env(env, company=None):
    """The environment whose record rules decide which registrants an answer names: the user of a REST endpoint of
    ``company`` (default: ``env``'s) in it, i.e. what the partner could read back through REST in that registry.
    ``env`` itself in a REST route (the endpoint's user in its company, not the superuser); anywhere else the
    company's first REST endpoint (``fastapi.endpoint._rest_reader_env``): the ingest app (its endpoint's company,
    whose user may be one of its own), queue jobs and code running as superuser, which no record rule restricts.
    None when that company has no active REST endpoint: there are no rules to read by, and nobody is named; never
    another company's endpoint."""
    return env["fastapi.endpoint"]._rest_reader_env(company or env.company)


def readable_uuids(client, scopes, registrants, scope):
    """uuids of the ``registrants`` a client may read with ``scope``, in their order, as a REST read decides it:
    the scope among the token's ``scopes``, the record rules of the REST app's user (``reader_env``: another
    company's registrant is hidden) and the read-access hook (consent), in one statement (``readable_relations``).
    For answers that name registrants a client did not ask for by uuid (duplicate candidates, the registrant an
    ingested item or a consent concerns): nobody is named to a client that may not read them, and a registrant the
    rules hide is answered exactly as one without consent."""
    reader = reader_env(registrants.env) if registrants else None
    if scope not in scopes or reader is None:
        return []
    readable = set(readable_relations(client, registrants.with_env(reader), scope).ids)
    return [registrant.uuid for registrant in registrants if registrant.id in readable]


def person_for_duplicates(body):
    """The individual of a create body as the duplicate search reads it."""
    return {
        "given_name": body.given_name,
        "family_name": body.family_name,
        "addl_name": body.addl_name,
        "birthdate": body.birthdate,
        "identifiers": [{"system": i.system, "value": i.value} for i in body.identifiers],
        "city": body.address.city if body.address else None,
    }


def refuse_duplicates(env, client, scopes, person, fuzzy=False, scope="individual:read"):
    """409 before a new individual is written: ``duplicate`` when a registrant holds one of its identifiers,
    and with ``fuzzy`` ``possible_duplicate`` when one has a similar name and the same birth date.

    Called once the whole body is validated: an invalid body is a 422 whoever is registered. The error's
    ``candidates`` name the registrants this client may read, no others. A similar registrant it may not
    read is no reason to stop: a possible duplicate nobody readable matches is answered as no candidate
    (the create goes on, staff find duplicates on their side), so a 409 ``possible_duplicate`` never tells
    that an unreadable person is in the register. A shared identifier cannot be registered twice: that 409
    stays, without naming whom (see the readme, "Registering a person who may already be registered")."""
    settings = duplicate_finder.Settings.from_env(env)
    if fuzzy:
        duplicate_finder.prepare(env, settings)
    candidates = duplicate_finder.find(env, person, settings, by_name=fuzzy)
    clashes = [c for c in candidates if c.same_identifier]
    shown = env["res.partner"].browse([c.partner_id for c in clashes or candidates])
    uuids = readable_uuids(client, scopes, shown, scope)
    if clashes:
        code = "duplicate"
        message = _("An identifier of this individual is already assigned to another registrant.")
    elif uuids:
        code = "possible_duplicate"
        message = _(
            "This individual may already be registered (similar name and birth date): check the candidates, "
            "or send without check_duplicates to register a different person."
        )
    else:
        return
    raise Conflict(message, code=code, candidates=uuids)


def readable_relations(client, registrants, scope):
    """The part of ``registrants`` the client may read with ``scope``, their uuids read with them: one statement,
    Odoo's own search of res.partner in ``registrants``' environment (the record rules of the API's user: another
    company's household is hidden) and the read-access hook (consent); see ``groups_search``."""
    if not registrants:
        return registrants
    domain = [("id", "in", registrants.ids)] + client._readable_registrant_domain(scope)
    return RelatedSearch(registrants.browse(), domain, ["uuid"]).run()


def reads_any(client, people, scope):
    """Whether the client may read with ``scope`` one of ``people`` (archived ones included: an archived member's
    membership is still hers), as a read of them in their environment decides it: its record rules and the
    read-access hook (consent), one statement."""
    if not people:
        return False
    domain = [("id", "in", people.ids)] + client._readable_registrant_domain(scope)
    return bool(people.with_context(active_test=False).search_count(domain, limit=1))


def groups_search(client, individuals, scope):
    """The search of the groups of ``individuals`` the client may read with ``scope`` (their uuids read with them):
    the record rules of res.partner in ``individuals``' environment, the API user's (another company's household
    is hidden), and the read-access hook (consent). An answer names those only: a group they hide is never read,
    and left out as if the membership were not there (neither a 403 nor its uuid). A page's prefetch reads it in
    its statement (``RegistrantWire.prefetch``)."""
    link = [("group_member_ids", "any", [("individual_id", "in", individuals.ids)])]
    return RelatedSearch(individuals.browse(), link + client._readable_registrant_domain(scope), ["uuid"])


def members_search(client, groups, scope):
    """The search of the members of ``groups`` the client may read with ``scope`` (their uuids and names read
    with them), as ``groups_search``: a member the rules hide is never read nor named."""
    link = [("group_membership_ids", "any", [("group_id", "in", groups.ids)])]
    return RelatedSearch(groups.browse(), link + client._readable_registrant_domain(scope), ["uuid", "name"])


def prefetch_named(client, schema, records, scope, of_groups):
    """Loads what the wire form ``schema`` of ``records`` reads (``RegistrantWire.prefetch``) and, in the same
    statement, the registrants it names beside them that the client may read with ``scope``: the members of
    ``records`` when they are groups (``of_groups``, ``members_search``), else their groups (``groups_search``).
    Returns those registrants."""
    named = (members_search if of_groups else groups_search)(client, records, scope)
    schema.prefetch(records, named)
    return named.run()


def manageable_members(client, individuals):
    """The part of ``individuals`` the client may read and write as a group's members: one search, the API user's
    record rules and the read-access hook under both group scopes. A member the rules hide is neither named nor
    changed by a write of the group's members (its membership is left as it is)."""
    if not individuals:
        return individuals
    domain = [("id", "in", individuals.ids)]
    domain += client._readable_registrant_domain(GROUP_READ) + client._readable_registrant_domain(GROUP_WRITE)
    return individuals.with_context(active_test=False).search(domain).with_env(individuals.env)


def visible_members(client, groups, scope):
    """The members of ``groups`` the client may read with ``scope`` (one query for a page of groups): the
    records of ``members_search``."""
    return members_search(client, groups, scope).run()


def visible_groups(client, individuals, scope):
    """The groups of ``individuals`` the client may read with ``scope`` (one query for a page): the records of
    ``groups_search``."""
    return groups_search(client, individuals, scope).run()


def _wrap_validation(field, code, func, *args):
    try:
        return func(*args)
    except ValidationError as exc:
        raise Invalid(exc.args[0], [body_error(field, code, exc.args[0])]) from exc


def resolve_code(env, coding, vocabulary, field):
    if coding is None:
        return False
    if coding.system != vocabulary:
        raise Invalid(
            f"{field}: system must be {vocabulary}.",
            errors=[body_error(f"{field}.system", "not_allowed", f"expected {vocabulary}")],
        )
    return _wrap_validation(
        f"{field}.code", "unknown_code", env["g2p.vocabulary.code"]._resolve, coding.system, coding.code, field
    ).id


def identifier_commands(env, partner, identifiers):
    """One2many commands turning the registrant's identifiers into exactly ``identifiers``."""
    wanted = []
    for index, identifier in enumerate(identifiers):
        id_type = _wrap_validation(
            f"identifiers[{index}].system",
            "unknown_identifier_system",
            env["g2p.id.type"]._resolve,
            identifier.system,
            f"identifiers[{index}].system",
        )
        wanted.append((id_type.id, identifier.value))
    if len(set(wanted)) != len(wanted):
        raise Invalid(
            "The same identifier is given twice.",
            errors=[body_error("identifiers", "duplicate_value", "the same identifier is given twice")],
        )
    return registrant_writer.identifier_commands(partner, wanted, remove_others=True)


def address_vals(env, address):
    if address is None:
        return {"street": False, "city": False, "zip": False, "country_id": False}
    country = False
    if address.country is not None:
        country = country_codes.find_country(env, address.country)
        if not country:
            raise Invalid(
                f"address.country: {address.country!r} is not {country_codes.EXPECTED}.",
                errors=[body_error("address.country", "unknown_code", country_codes.EXPECTED)],
            )
        country = country.id
    return {
        "street": address.street or False,
        "city": address.city or False,
        "zip": address.zip or False,
        "country_id": country,
    }


def individual_vals(env, partner, body, fields_set):
    """ORM values for an individual from a write/patch body; only ``fields_set`` are touched."""
    vals = {}
    for name in ("given_name", "family_name", "addl_name", "birthdate"):
        if name in fields_set:
            vals[name] = getattr(body, name) or False
    if "gender" in fields_set:
        vals["gender_id"] = resolve_code(env, body.gender, GENDER_VOCABULARY, "gender")
    if "identifiers" in fields_set and body.identifiers is not None:
        vals["reg_id_ids"] = identifier_commands(env, partner, body.identifiers)
    if "address" in fields_set:
        vals.update(address_vals(env, body.address))
    return vals


def _unknown_individual(index, uuid):
    return Invalid(
        f"members[{index}].individual: unknown individual {uuid}.",
        errors=[body_error(f"members[{index}].individual", "unknown_registrant", "unknown individual")],
    )


def _member_given_twice(index, uuid):
    # one membership per individual: the two would be merged into one, with the roles and dates of the last
    return Invalid(
        f"members[{index}].individual: {uuid} is given twice.",
        errors=[
            body_error(
                f"members[{index}].individual",
                "duplicate_value",
                "the same individual is given twice: give each member once, with all its kinds",
            )
        ],
    )


HEAD_KIND = "head"


def head_set_by_registry(env, field):
    """422 at ``field`` (a member's ``kinds``): nobody is made head of an existing household through REST.

    Who heads a registered household is registry staff's decision (as OpenSPP's "change head of household"
    change request), or a reviewed ingest's. The answer is one for every household: a hidden head (another
    company's member, one without consent) must not be told from no head at all, so nothing about the
    household's members is looked at before it."""
    message = env._(
        "the head of an existing household is set by registry staff (or by an ingested household, once reviewed), "
        "not through this API"
    )
    return Invalid(f"{field}: {message}.", errors=[body_error(field, "head_set_by_registry", message)])


def gives_head(env, kind_ids):
    """Whether the membership kinds ``kind_ids`` (ids of household role codes) include the head."""
    return HEAD_KIND in env["g2p.vocabulary.code"].browse(kind_ids).mapped("code")


def field_invalid(field, code, message):
    """422 at ``field``, with the field code ``code``."""
    return Invalid(f"{field}: {message}.", errors=[body_error(field, code, message)])


def out_of_range(field, message):
    return field_invalid(field, "out_of_range", message)


ENDED_BY_TODAY = "a membership is ended on or before today"


def _sent_individual_id(member, by_uuid):
    """The id of the registered individual ``member`` names (None for a ``new_individual``)."""
    return by_uuid[member.individual].id if member.individual is not None else None


def _refuse_unstorable_end_dates(env, members, by_uuid, managed):
    """422 at the ``end_date`` of the first of ``members`` whose membership cannot end then. A date after today is
    refused as ``POST /members/{i}/end`` refuses it (``out_of_range``), unless it is the end date the member's open
    membership holds, sent back as read. An ended membership is sent back with the dates it holds: another end date
    for it (``membership_ended``) would reopen or move it. Only the member's own memberships among ``managed`` are
    looked at: one answer whoever else is in the household."""
    today = registry_today(env)
    for index, member in enumerate(members):
        if not member.end_date:
            continue
        field = f"members[{index}].end_date"
        individual_id = _sent_individual_id(member, by_uuid)
        held = registrant_writer.held_membership(managed, individual_id, member.start_date, member.end_date)
        if member.end_date > today and held.end_date != member.end_date:
            raise out_of_range(field, ENDED_BY_TODAY)
        if not held and registrant_writer.ended_memberships(managed, individual_id, member.start_date):
            raise field_invalid(
                field,
                "membership_ended",
                "an ended membership is sent back with the dates it holds: it is neither reopened nor moved",
            )


def _refuse_new_heads(env, members, kinds, by_uuid, managed):
    """422 at the first of ``members`` of an existing group that would be its head without being it already:
    the kind head is kept only on the membership that carries it, the member's open one among ``managed`` (those
    the client sees and writes) or an ended one sent back with its dates (``held_membership``). Taking the head
    kind away, or ending a visible head's membership today or before, stays the client's to do (it reads that
    head); a former head is not made head again (``_refuse_unstorable_end_dates`` is checked first)."""
    for index, member in enumerate(members):
        if not gives_head(env, kinds[index]):
            continue
        held = registrant_writer.held_membership(
            managed, _sent_individual_id(member, by_uuid), member.start_date, member.end_date
        )
        if HEAD_KIND not in held.kind_ids.mapped("code"):
            raise head_set_by_registry(env, f"members[{index}].kinds")


def register_new_individual(env, client, scopes, person, field="new_individual"):
    """A new individual registered as ``POST /Individual`` registers ``person`` (an ``IndividualCreate``): the
    individual:write scope among the token's ``scopes``, its consent if it carries one, no shared identifier."""
    if INDIVIDUAL_WRITE not in scopes:
        raise ScopeMissing(
            f"{field}: registering a new individual needs the scope {INDIVIDUAL_WRITE}.", INDIVIDUAL_WRITE
        )
    check_read_only_nested(person, field)
    vals = individual_vals(env, None, person, full_replacement(person))
    consent = getattr(person, "consent", None)
    client._check_registration_consent(consent)
    refuse_duplicates(env, client, scopes, person_for_duplicates(person))
    individual = registrant_writer.save(env, None, vals)
    client._record_registration_consent(individual, consent)
    return individual


def member_commands(env, client, group, members, scopes=()):
    """Commands for ``group_member_ids`` so that, among the memberships of individuals the client may
    see and write, the open ones are exactly ``members``; a member given as ``new_individual`` is registered
    first (with the token's ``scopes``, see ``register_new_individual``).

    Memberships of anyone else are left as they are (a body built from what the client sees does
    not touch what it cannot see); a membership left out is ended (end date), never deleted; an
    individual the client may not write is answered as unknown (no consent oracle).
    """
    found = env["res.partner"].search(
        [
            ("uuid", "in", [m.individual for m in members if m.individual is not None]),
            ("is_registrant", "=", True),
            ("is_group", "=", False),
        ]
    )
    current = group.group_member_ids if group else env["g2p.group.membership"]
    manageable = manageable_members(client, found | current.individual_id)
    by_uuid = {p.uuid: p for p in found & manageable}
    given = set()
    for index, member in enumerate(members):
        if member.individual is None:
            continue
        if member.individual not in by_uuid:
            raise _unknown_individual(index, member.individual)
        if member.individual in given:
            raise _member_given_twice(index, member.individual)
        given.add(member.individual)
    kinds = [
        [resolve_code(env, kind, KIND_VOCABULARY, f"members[{index}].kinds[{k}]") for k, kind in enumerate(m.kinds)]
        for index, m in enumerate(members)
    ]
    managed = current.filtered(lambda m: m.individual_id in manageable)
    _refuse_unstorable_end_dates(env, members, by_uuid, managed)
    if group:  # a new household is registered with its head: nobody else can be in it yet
        _refuse_new_heads(env, members, kinds, by_uuid, managed)
    wanted = {}
    for index, member in enumerate(members):
        if member.new_individual is not None:
            individual = register_new_individual(
                env, client, scopes, member.new_individual, f"members[{index}].new_individual"
            )
        else:
            individual = by_uuid[member.individual]
        wanted[individual.id] = {
            "kind_ids": [(6, 0, kinds[index])],
            "start_date": member.start_date or False,
            "end_date": member.end_date or False,
        }
    return registrant_writer.membership_commands(env, managed, wanted)


def group_vals(env, client, group, body, fields_set, scopes=()):
    vals = {}
    if "name" in fields_set:
        if not body.name:
            raise Invalid(
                "name: a group's name cannot be cleared.",
                errors=[body_error("name", "required", "a group's name cannot be cleared")],
            )
        vals["name"] = body.name
    if "identifiers" in fields_set and body.identifiers is not None:
        vals["reg_id_ids"] = identifier_commands(env, group, body.identifiers)
    if "address" in fields_set:
        vals.update(address_vals(env, body.address))
    if "members" in fields_set and body.members is not None:
        vals["group_member_ids"] = member_commands(env, client, group, body.members, scopes)
    return vals


def full_replacement(body):
    """PUT semantics: every field of the body counts as sent (absent ones clear the value)."""
    return set(type(body).model_fields)


def check_program_allowed(client, program, uuid):
    if not program or not program.filtered_domain(client._program_domain()):
        raise not_found("Program", uuid)


def check_target_type(program, registrant):
    """422 at ``/registrant`` when the programme enrols the other kind of registrant (individuals or groups)."""
    if registrant.is_group != (program.target_type == "group"):
        raise Invalid(
            f"registrant: programme {program.uuid} enrols {program.target_type}s only.",
            errors=[body_error("registrant", "wrong_target_type", f"the programme enrols {program.target_type}s only")],
        )


def transition_membership(membership, state, reason=None):
    actions = {
        "enrolled": membership.action_enroll,
        "paused": membership.action_pause,
        "not_eligible": membership.action_not_eligible,
        "draft": membership.action_reset_draft,
    }
    if state == "exited":
        membership.action_exit(reason=reason)
    elif state in actions:
        actions[state]()
    else:
        raise ValidationError(_("Unknown state %s.", state))

"""Search items of a DCI request, each answered on its own (a bad item rejects only itself)."""

import logging
from collections import defaultdict

from odoo.tools import SQL

from odoo.addons.g2p_partner_api.schemas.group import Group
from odoo.addons.g2p_partner_api.schemas.individual import Individual
from odoo.addons.g2p_partner_api.services import registry_service as registry
from odoo.addons.g2p_partner_api.services.orm_prefetch import lines_of_row, load_lines
from odoo.addons.g2p_partner_api.services.templates import TemplateRenderError

from . import dci_checks, dci_default_records, dci_envelope, dci_records
from .dci_query import SCOPE, DciQuery, DciQueryError

_logger = logging.getLogger(__name__)


def _expression_of(query):
    """The Mongo-style expression: bare (seed form) or in the spec's {type, value: {expression: {query}}}."""
    if isinstance(query, dict) and isinstance(query.get("value"), dict) and "expression" in query["value"]:
        expression = query["value"]["expression"]
        return expression.get("query", expression) if isinstance(expression, dict) else expression
    return query


def _idtype_value_of(query):
    """(id type, id value, the query's key of the value) of an idtype-value query."""
    if not isinstance(query, dict):
        raise DciQueryError("idtype-value query must be an object")
    if "id_type" in query or "id_value" in query:  # the seed's form
        return query.get("id_type"), query.get("id_value"), "id_value"
    return query.get("type"), query.get("value"), "value"


def _pagination(register, pagination):
    pagination = pagination or {}
    size, number = pagination.get("page_size", 10), pagination.get("page_number", 1)
    valid = all(
        isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() for v in (size, number)
    )
    if not valid or not 1 <= size <= register.max_page_size or number < 1:
        raise DciQueryError(
            f"page_size must be 1 to {register.max_page_size} and page_number at least 1", "rjct.pagination.invalid"
        )
    return int(size), int(number)


def _schema(register):
    return Group if register.target == "group" else Individual


def _fetch_fields(register, partners):
    """Fields of res.partner to fetch with the search of ``register``'s records."""
    if dci_default_records.renders_default_individual(register):
        return dci_default_records.fetch_fields(partners)
    return _schema(register).fetch_fields()


def _wires(register, client, records):
    """({id: wire form} of ``records`` of one register, every registrant these forms name: the records,
    their readable members or groups), loaded in a fixed number of queries."""
    if register.target == "group":
        members = registry.prefetch_named(client, _schema(register), records, SCOPE, of_groups=True)
        # a member's own groups are named in its person form as well
        groups = registry.visible_groups(client, members, SCOPE)
        wires = {
            record.id: dci_records.group_wire(register, record, members & record.group_member_ids.individual_id, groups)
            for record in records
        }
        return wires, records | members | groups
    groups = registry.prefetch_named(client, _schema(register), records, SCOPE, of_groups=False)
    names = register._dci_id_type_names()
    wires = {record.id: dci_records.individual_wire(register, record, groups, names) for record in records}
    return wires, records | groups


def resolve_register(env, criteria):
    """The register a search_criteria (or subscribe_criteria) addresses; DciQueryError when none.

    The spec's expression wrapper may name a ``collection`` (``Group``, ``Member``): it counts as
    ``response_entity`` when that is absent; an idtype-value query's id type prefers the registers
    that map it.
    """
    return env["g2p.dci.register"]._resolve(*_register_key(criteria))


def _register_key(criteria):
    """(reg_type, response_entity, reg_record_type, id_type): what chooses the register of a criteria."""
    query = criteria.get("query") if isinstance(criteria.get("query"), dict) else {}
    expression = query.get("value", {}).get("expression") if isinstance(query.get("value"), dict) else None
    collection = expression.get("collection") if isinstance(expression, dict) else None
    entity = criteria.get("response_entity") or (collection if collection in ("Group", "Member") else None)
    id_type = _idtype_value_of(criteria.get("query"))[0] if criteria.get("query_type") == "idtype-value" else None
    return criteria.get("reg_type"), entity, criteria.get("reg_record_type"), id_type


def query_domain(query, query_type, criteria_query):
    """ORM domain of a search query or subscription filter of one of the spec's query types."""
    if query_type == "idtype-value":
        return query.idtype_value_domain(*_idtype_value_of(criteria_query))
    if query_type == "expression":
        return query.to_domain(_expression_of(criteria_query))
    if query_type == "predicate":
        return query.predicate_to_domain(criteria_query)
    raise DciQueryError(f"unknown query_type {query_type!r}")


def wire_record(register, client, record):
    """(one registry record as the register's outgoing template renders it for ``client``, every
    registrant that rendering names)."""
    wires, named = _wires(register, client, record)
    return register._render(wires[record.id]), named


class _Answer:
    """The search_response entry of one search_request entry, while the batch is answered."""

    def __init__(self, item, timestamp):
        self.item = item
        reference_id = item.get("reference_id") if isinstance(item, dict) else None
        self.response = {"reference_id": str(reference_id or ""), "timestamp": timestamp}
        self.register = self.records = None

    def found(self, register, records, total, page_size, page_number):
        self.register, self.records = register, records
        criteria = self.item.get("search_criteria") or {}
        self.response.update(
            status="succ",
            data={
                "version": "1.0.0",
                "reg_type": criteria.get("reg_type") or register.reg_type,
                "reg_record_type": register.reg_record_type,
                "reg_records": [],
            },
            pagination={"page_size": page_size, "page_number": page_number, "total_count": total},
        )

    def reject(self, code, message):
        self.records = None
        self.response.pop("data", None)
        self.response.pop("pagination", None)
        self.response.update(status="rjct", status_reason_code=code, status_reason_message=message[:999])

    def finish(self):
        if self.item and isinstance(self.item, dict) and self.item.get("locale"):
            self.response["locale"] = dci_records.spec_locale(self.item["locale"])
        return self.response


def _criteria(env, item, registers):
    """(register, search_criteria) of one entry; ``registers`` caches the registers by what chooses them."""
    if not (item.get("reference_id") if isinstance(item, dict) else None):
        raise DciQueryError("reference_id is required", "rjct.reference_id.invalid")
    if dci_envelope.parse_ts(item.get("timestamp")) is None:
        raise DciQueryError("timestamp must be an ISO 8601 date-time", "rjct.timestamp.invalid")
    criteria = item.get("search_criteria")
    if not isinstance(criteria, dict):
        raise DciQueryError("search_criteria is required")
    key = tuple(value if isinstance(value, str) or value is None else repr(value) for value in _register_key(criteria))
    if key not in registers:
        try:
            registers[key] = resolve_register(env, criteria)
        except DciQueryError as exc:
            registers[key] = exc
    if isinstance(registers[key], DciQueryError):
        raise registers[key]
    return registers[key], criteria


def counted_page(model, domain, field_names, order, offset, limit):
    """(``model.search_count(domain)``, ``model.search_fetch(domain, field_names, order=order, offset=offset,
    limit=limit)``) from one ``_search``: the domain, its record rules and the consent rule are worked
    out once for both (twice was a fifth of a page's CPU). When every field is a plain column (the DCI
    records'), one statement: the page's own, with the count as an uncorrelated subquery in its select
    list (PostgreSQL runs it once, with the plan of the count alone); the count runs apart only for a page
    past the last match. ``TestDciCountedPage`` compares the rows with the two calls' under each rule,
    ``TestDciExpressionPlan`` the plan."""
    query = model._search(domain)
    count = query.select("COUNT(*)")
    # what ``_search(domain, offset, limit, order)`` adds to the query, once the count is made
    query.order = model._order_to_sql(order or model._order, query)
    query.offset, query.limit = offset, limit
    fields = model._determine_fields_to_fetch(field_names)
    columns = [field for field in fields if field.name != "id"]
    if not all(field.column_type and not field.translate and field.type != "binary" for field in columns):
        total = model.env.execute_query(count)[0][0]
        return total, model._fetch_query(query, fields) if total else model.browse()
    # as ``_fetch_query`` selects and caches plain columns, the count beside them
    terms = [model._field_to_sql(model._table, field.name, query, flush=False) for field in columns]
    rows = model.env.execute_query(query.select(SQL.identifier(model._table, "id"), *terms, SQL("(%s)", count)))
    if not rows:
        return (model.env.execute_query(count)[0][0] if offset else 0), model.browse()
    ids, *values, totals = zip(*rows, strict=True)
    records = model.browse(ids)
    for field, column in zip(columns, values, strict=True):
        model.env.cache.insert_missing(records, field, column)
    return totals[0], records


def _identifier_query(env, registrants, id_type, values):
    """The ``g2p.reg.id`` Query of the identifiers of ``id_type`` among ``values`` held by one of ``registrants``
    (the Query of a register's registrants a client may read, ``_readable_registrants``): both models' own
    ``_search``, so their record rules (company, the API user's), ``active`` and the consent rule are Odoo's,
    as in a search of ``reg_id_ids any [...]`` (``TestDciLookupStatement`` compares the two under each rule)."""
    return env["g2p.reg.id"]._search(
        [("id_type_id", "=", id_type.id), ("value", "in", sorted(values)), ("partner_id", "in", registrants)]
    )


def _readable_registrants(env, client, register):
    """The res.partner Query of ``register``'s registrants ``client`` may read (its record rules and the
    consent rule compiled once per register and call, however many id types an envelope looks up)."""
    return env["res.partner"]._search(register._base_domain() + client._readable_registrant_domain(SCOPE))


def _column_sql(model, alias, field, query):
    """``field``'s column of ``model`` at ``alias`` of ``query``, selected as ``_fetch_query`` selects it."""
    context = model.env.context
    if field.type == "binary" and (context.get("bin_size") or context.get("bin_size_" + field.name)):
        return SQL("pg_size_pretty(length(%s)::bigint)", model._field_to_sql(alias, field.name, query))
    if field.translate and context.get("prefetch_langs"):
        return SQL.identifier(alias, field.name, to_flush=field)
    return model._field_to_sql(alias, field.name, query, flush=field.translate)


# the fields of the identifier lines the lookup statement puts in the ORM cache (with their registrant)
LINE_FIELDS = ("value", "id_type_id")


def registrants_by_identifier(env, client, wanted):
    """{(register, id_type): {value: registrant id}} of ``wanted`` ({(register, id_type): values}) among the
    registrants ``client`` may read: every lookup of an envelope in one statement (a ``UNION ALL`` of
    ``_identifier_query`` per register and id type). Identifiers are unique per type: a value names one
    registrant at most.

    The statement also reads what rendering the found registrants reads (``_fetch_fields`` of their
    registers, field access checked as ``search_fetch`` checks it; their identifier lines when a register
    renders default records) and puts it in the ORM cache as ``search_fetch`` and ``prefetch_paths`` would
    (``TestDciLookupStatement``): the records need no other query."""
    keys = list(wanted)
    if not keys:
        return {}
    Partner = env["res.partner"]
    registers = list(dict.fromkeys(register for register, _id_type in keys))
    fields = Partner._determine_fields_to_fetch(
        list(dict.fromkeys(name for register in registers for name in _fetch_fields(register, Partner)))
    )
    columns = [field for field in fields if field.column_type]
    with_lines = any(dci_default_records.renders_default_individual(register) for register in registers)
    lines = None
    if with_lines:
        Partner.check_field_access_rights("read", ["reg_id_ids"])  # as reading ``partner.reg_id_ids`` would
    registrants = {register: _readable_registrants(env, client, register) for register in registers}
    selects = []
    for index, (register, id_type) in enumerate(keys):
        query = _identifier_query(env, registrants[register], id_type, wanted[register, id_type])
        table = query.table
        partner = query.join(table, "partner_id", Partner._table, "id", "partner_id")
        terms = [SQL("%s", index), SQL.identifier(table, "value"), SQL.identifier(table, "partner_id")]
        terms += [_column_sql(Partner, partner, field, query) for field in columns]
        if with_lines:
            # each registrant's identifier lines, read as a REST page's (``orm_prefetch.lines_of_row``)
            lines = lines_of_row(Partner, "reg_id_ids", partner, LINE_FIELDS)
            terms.append(lines.aggregate())
        selects.append(SQL("(%s)", query.select(*terms)))
    found = {key: {} for key in keys}
    by_partner = {}
    for index, value, partner_id, *values in env.execute_query(SQL(" UNION ALL ").join(selects)):
        found[keys[index]][value] = partner_id
        by_partner[partner_id] = values
    if by_partner:
        _cache_found(Partner.browse(tuple(by_partner)), fields, columns, by_partner.values(), lines)
    return found


def _cache_found(partners, fields, columns, rows, lines):
    """What ``registrants_by_identifier`` read of ``partners`` (``rows``: the columns' values of each, then
    its lines when ``lines``, their ``lines_of_row`` hop) into the ORM cache, as ``_fetch_query`` puts a fetch
    there (what it holds is kept), and the fields without a column read as it reads them."""
    values = list(zip(*rows, strict=True))
    cache = partners.env.cache
    for field, column in zip(columns, values, strict=False):
        cache.insert_missing(partners, field, column)
    if lines:
        load_lines(partners, "reg_id_ids", lines, values[-1])
    for field in fields:
        if not field.column_type:
            field.read(partners)


def _rendered(register, client, records, naming):
    """({id: the record as ``register``'s outgoing template renders it} of ``records``, left out when the
    template failed; the registrants those records name when ``naming``, else ``records``)."""
    if dci_default_records.renders_default_individual(register):
        dci_default_records.prefetch(records)
        names, record_type = register._dci_id_type_names(), register.reg_record_type
        rendered = dci_default_records.individual_records(records, names, record_type)
        # the default record names no group (no household uuid, no member): it discloses the individuals only
        return rendered, records
    wires, named = _wires(register, client, records)
    rendered = {}
    for record_id, wire in wires.items():
        try:
            rendered[record_id] = register._render(wire)
        except TemplateRenderError:
            _logger.exception("DCI outgoing template failed")
    return rendered, named


def _render_found(client, answers, naming):
    """The records of every answer, loaded once per register and rendered in one pass; returns every
    registrant the answers name (when ``naming``)."""
    named = client.env["res.partner"]
    found = [answer for answer in answers if answer.records]
    by_register = defaultdict(list)
    for answer in found:
        by_register[answer.register].append(answer)
    for register, register_answers in by_register.items():
        records = register_answers[0].records.browse(
            list(dict.fromkeys(i for answer in register_answers for i in answer.records.ids))
        )
        rendered, register_named = _rendered(register, client, records, naming)
        named |= register_named
        for answer in register_answers:
            if all(i in rendered for i in answer.records.ids):
                answer.response["data"]["reg_records"] = [rendered[i] for i in answer.records.ids]
            else:
                answer.reject(
                    "rjct.search_criteria.invalid",
                    "The register's outgoing template failed; the registry was notified.",
                )
    return named


def search_request_answers(env, client, items, used=None):
    """(search_response entries for every entry of a search request, in order: those rejected before
    they are looked at (``dci_checks.item_rejections``, ``used`` as there) answered so, the others
    searched; every registrant the answers name)."""
    rejected = dci_checks.item_rejections(client, "search", items, used)
    answers, named = search_items_naming(env, client, dci_checks.accepted_items(items, rejected))
    return dci_checks.answers_in_order(items, rejected, answers), named


def search_items(env, client, items):
    """search_response entries for search_request entries, in order, each answered on its own
    (see ``search_items_naming``; what they name is not worked out)."""
    return search_items_naming(env, client, items, naming=False)[0]


def search_items_naming(env, client, items, naming=True):
    """(search_response entries for search_request entries, in order, each answered on its own; every
    registrant they name, which a callback carrying them records).

    Set-based: the idtype-value entries are resolved together, in one statement with the record
    and consent rules in it (``registrants_by_identifier``); expression and predicate entries keep
    their own query under the same rules. Every record found is then loaded and rendered in one pass.
    """
    # the entries of one request are answered together: one timestamp (formatting it per item cost 3% of a batch)
    answered_at = dci_envelope.now_iso()
    answers = [_Answer(item, answered_at) for item in items]
    Partner = env["res.partner"]
    registers, lookups, lookup_queries = {}, defaultdict(list), {}
    for answer in answers:
        try:
            register, criteria = _criteria(env, answer.item, registers)
            if criteria.get("query_type") == "idtype-value":
                # one query object per register serves every lookup of the batch (it keeps no state of an item)
                query = lookup_queries.get(register) or lookup_queries.setdefault(register, DciQuery(register, client))
                id_type, value = query.idtype_value(*_idtype_value_of(criteria.get("query")))
                query.order(criteria.get("sort"))
                lookups[register, id_type].append((answer, value, _pagination(register, criteria.get("pagination"))))
                continue
            query = DciQuery(register, client)
            domain = query_domain(query, criteria.get("query_type"), criteria.get("query"))
            order = query.order(criteria.get("sort"))
            page_size, page_number = _pagination(register, criteria.get("pagination"))
            # consent (when installed) narrows the search in SQL, so counts match what is returned
            domain = register._base_domain() + domain + client._readable_registrant_domain(SCOPE)
            total, records = counted_page(
                Partner, domain, _fetch_fields(register, Partner), order, (page_number - 1) * page_size, page_size
            )
            answer.found(register, records, total, page_size, page_number)
        except DciQueryError as exc:
            answer.reject(exc.code, str(exc))
    found = registrants_by_identifier(
        env, client, {key: {value for _, value, _ in wanted} for key, wanted in lookups.items()}
    )
    for key, wanted in lookups.items():
        by_value = found[key]
        for answer, value, (page_size, page_number) in wanted:
            registrant = Partner.browse(by_value[value]) if value in by_value else Partner
            answer.found(key[0], registrant if page_number == 1 else Partner, len(registrant), page_size, page_number)
    named = _render_found(client, answers, naming)
    return [answer.finish() for answer in answers], named


def search_item(env, client, item):
    """One search_response entry for one search_request entry."""
    return search_items(env, client, [item])[0]

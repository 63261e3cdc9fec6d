"""Load what a wire schema reads of a page of records in a fixed number of queries.

Read lazily, every relational hop of ``from_record`` costs a query that fetches every column
of the next model (Odoo prefetches a whole model at a time), and x2many reads go one field
at a time. ``prefetch_paths`` fetches exactly the fields a schema declares: one query per
model hop for the whole page, the leaf models (codes, id types, countries, clients) last,
one query per model however many hops lead there. The records then render from the cache.
Leaves in small reference tables (vocabulary codes, id types, countries) come from a snapshot
each worker keeps (``g2p.reference.data``), without a query. ``prefetch_lines_at_once`` reads what
the records' one2many fields lead to (a registrant's identifiers, memberships, their kinds, the
groups) in one statement made of the queries those hops would run.
"""

from collections import defaultdict

from odoo import fields
from odoo.tools import SQL

REFERENCE_MODELS = frozenset({"g2p.vocabulary.code", "g2p.id.type", "res.country"})
SNAPSHOT_TYPES = frozenset({"char", "boolean", "integer", "selection"})


def _tree(paths):
    tree = {}
    for path in paths:
        node = tree
        for name in path.split("."):
            node = node.setdefault(name, {})
    return tree


def _fetch_missing(records, names):
    # fetch() checks access rules again, in Python, when nothing is left to read: skip it then
    cache = records.env.cache
    missing = [name for name in names if next(iter(cache.get_missing_ids(records, records._fields[name])), None)]
    if missing:
        records.fetch(missing)


def _read_one2many(records, field, line_names):
    """The one2many ``field`` of ``records`` into the cache as ``One2many.read`` puts it there, the
    stored columns ``line_names`` of its lines fetched by the same query: the ORM's read fetches
    the lines' inverse and ``active`` alone, and their other fields cost a query more."""
    missing = records.browse(records.env.cache.get_missing_ids(records, field))
    if not missing:
        return
    comodel = records.env[field.comodel_name].with_context(active_test=False, **field.context)
    inverse = field.inverse_name
    columns = [name for name in line_names if comodel._fields[name].column_type and comodel._fields[name].store]
    lines = comodel.search_fetch(
        field.get_domain_list(missing) + [(inverse, "in", missing.ids)],
        list(dict.fromkeys([inverse, *([comodel._active_name] if comodel._active_name else []), *columns])),
    )
    by_owner = defaultdict(list)
    many2one = comodel._fields[inverse].type == "many2one"  # else a many2one_reference: an id
    for line in lines:
        by_owner[line[inverse].id if many2one else line[inverse]].append(line.id)
    records.env.cache.insert_missing(missing, field, [tuple(by_owner[owner_id]) for owner_id in missing._ids])


def _from_reference_data(records, names):
    """Put the fields ``names`` of reference ``records`` in the ORM cache from the worker's snapshot,
    with the access rights of ``records``' environment; returns the records left to fetch (not
    reference data, or created since the snapshot)."""
    fields = [records._fields[name] for name in names]
    if records._name not in REFERENCE_MODELS or any(f.type not in SNAPSHOT_TYPES or f.groups for f in fields):
        return records
    records.check_access("read")  # as a fetch would: access rights and record rules
    values = records.env["g2p.reference.data"]._values(records, tuple(sorted(names)))
    cache = records.env.cache
    for field in fields:  # what the transaction already holds (maybe just written) is kept
        missing = records.browse([i for i in cache.get_missing_ids(records, field) if i in values])
        cache.update(missing, field, [values[record_id][field.name] for record_id in missing.ids])
    return records.browse([record_id for record_id in records.ids if record_id not in values])


def _walk(records, tree, leaves):
    if not records:
        return
    names = set(tree)
    if records._active_name:
        names.add(records._active_name)  # x2many reads filter on it
    if not any(tree.values()):
        key = (records._name, records.env.su)
        seen, leaf_names = leaves.get(key, (records.browse(), set()))
        leaves[key] = (seen | records, leaf_names | names)
        return
    for name, subtree in tree.items():
        field = records._fields[name]
        if subtree and field.type == "one2many" and field.store:
            _read_one2many(records, field, subtree)
    _fetch_missing(records, names)
    for name, subtree in tree.items():
        if subtree:
            # every related record, archived ones too: filtering them needs their ``active``
            _walk(records.with_context(active_test=False).mapped(name), subtree, leaves)


def prefetch_paths(records, paths):
    """Fetch the dotted field ``paths`` (e.g. ``reg_id_ids.id_type_id.namespace_uri``) of
    ``records`` into the ORM cache, with the access rights of ``records``' environment."""
    leaves = {}
    _walk(records, _tree(paths), leaves)
    for leaf_records, names in leaves.values():
        _fetch_missing(_from_reference_data(leaf_records, names), names)
    return records


def search_fields(model, names):
    """``names`` to fetch with a search of ``model``, its one2many fields left out: a search reads each
    of them by a query of its own, then ``prefetch_paths`` a query more for their lines' fields; it
    reads both in that one query."""
    return [name for name in names if model._fields[name].type != "one2many"]


def root_fields(paths):
    """The fields of the records themselves that ``paths`` start from (for ``search_fetch``)."""
    return list(dict.fromkeys(path.split(".", 1)[0] for path in paths))


# --- the lines of a page's one2many fields in one statement ----------------------------------------------
# column types whose values json_build_array gives back as the cursor would (a date as its ISO text)
JSON_COLUMN_TYPES = frozenset({"char", "text", "boolean", "integer", "selection", "many2one", "date"})


class _Unsupported(Exception):
    """A path ``prefetch_lines_at_once`` does not build into its statement."""


class _Hop:
    """The rows a relation of the page leads to: the query the ORM's read of that relation makes (the comodel's
    ``_search`` or ``_where_calc`` with its record rules; the relation's domain and context), the columns its
    rows give (``owner``: a many2many's column of the line a pair belongs to), and its order."""

    def __init__(self, model, query, columns=(), owner=None):
        self.model, self.query, self.owner = model, query, owner
        self.columns = [model._fields[name] for name in columns]
        self.order, query.order = query.order, None  # the statement orders inside its aggregate

    def subselect(self, column="id"):
        return self.query.subselect(SQL.identifier(self.query.table, column))

    def aggregate(self):
        table = self.query.table
        cells = [*([self.owner] if self.owner else []), SQL.identifier(table, "id")]
        cells += [self.model._field_to_sql(table, field.name, self.query) for field in self.columns]
        order = SQL(" ORDER BY %s", self.order) if self.order else SQL()
        return SQL("(%s)", self.query.select(SQL("json_agg(json_build_array(%s)%s)", SQL(", ").join(cells), order)))

    def load(self, rows):
        """Put the columns of ``rows`` (``[id, *columns]``) in the ORM cache, what it holds kept; the records."""
        records = self.model.browse([row[0] for row in rows])
        cache = records.env.cache
        for index, field in enumerate(self.columns, 1):
            values = [row[index] for row in rows]
            if field.type == "date":
                values = [fields.Date.to_date(value) if value else value for value in values]
            cache.insert_missing(records, field, values)
        return records


def _fetched_columns(model, names):
    """The columns of ``model`` that fetching ``names`` reads (as ``fetch`` determines them: access rights,
    stored dependencies) and its many2many fields among them; ``_Unsupported`` for any other field."""
    columns, many2many = [], []
    for field in model._determine_fields_to_fetch(names):
        if field.type == "many2many":
            many2many.append(field)
        elif field.column_type and field.type in JSON_COLUMN_TYPES and not field.translate:
            columns.append(field.name)
        else:
            raise _Unsupported(model._name, field.name)
    return columns, many2many


def _with_active(model, names):
    return {*names, *([model._active_name] if model._active_name else [])}


def _lines(records, field, tree):
    """The lines of the one2many ``field`` of ``records`` as ``_read_one2many`` searches them, and the hops of
    the relations ``tree`` reads of them: many2one targets outside the reference data (a set of leaves), and
    many2many pairs."""
    comodel = records.env[field.comodel_name].with_context(active_test=False, **field.context)
    if comodel._fields[field.inverse_name].type != "many2one":
        raise _Unsupported(field.name)
    columns, many2many = _fetched_columns(comodel, _with_active(comodel, {*tree, field.inverse_name}))
    domain = field.get_domain_list(records) + [(field.inverse_name, "in", records.ids)]
    lines = _Hop(comodel, comodel._search(domain, order=comodel._order), columns)
    targets = []
    for name, subtree in tree.items():
        target_field = comodel._fields[name]
        if not subtree or target_field.type == "many2many" or target_field.comodel_name in REFERENCE_MODELS:
            continue  # many2many: below; reference data: from the worker's snapshot
        if target_field.type != "many2one" or any(subtree.values()):
            raise _Unsupported(comodel._name, name)
        targets.append(_targets(lines, target_field, subtree))
    return lines, targets, [(pairs_field, _pairs(lines, pairs_field)) for pairs_field in many2many]


def _targets(lines, field, tree):
    """The records the many2one ``field`` of ``lines`` leads to, with the columns ``tree`` reads, as ``fetch``
    reads them (the comodel's rules; archived ones too)."""
    comodel = lines.model.env[field.comodel_name].with_context(active_test=False)
    columns, many2many = _fetched_columns(comodel, _with_active(comodel, tree))
    if many2many:
        raise _Unsupported(comodel._name, many2many)
    query = comodel._search([])
    query.add_where(SQL("%s IN %s", SQL.identifier(query.table, "id"), lines.subselect(field.name)))
    return _Hop(comodel, query, columns)


def _pairs(lines, field):
    """The pairs (line, target) of the many2many ``field`` of ``lines``, as ``Many2many.read`` reads them."""
    comodel = lines.model.env[field.comodel_name].with_context(active_test=False, **field.context)
    query = comodel._where_calc(field.get_domain_list(lines.model))
    comodel._apply_ir_rules(query, "read")
    query.order = comodel._order_to_sql(comodel._order, query)
    owner = SQL.identifier(field.relation, field.column1)
    target = SQL.identifier(field.relation, field.column2)
    query.add_join("JOIN", field.relation, None, SQL("%s = %s", target, SQL.identifier(comodel._table, "id")))
    query.add_where(SQL("%s IN %s", owner, lines.subselect()))
    return _Hop(comodel, query, owner=owner)


class RelatedSearch:
    """A search of ``model`` (Odoo's own ``_search`` of ``domain``: its record rules; archived records too) whose
    records and their columns ``names`` the statement of ``prefetch_lines_at_once`` reads beside the lines: the
    registrants an answer names beside those it is about (``registry_service.groups_search``). ``run()``: its
    records in ``model``'s environment, read by a query of their own unless a statement read them."""

    def __init__(self, model, domain, names):
        self.env = model.env
        self.model, self.domain, self.names = model.with_context(active_test=False), domain, list(names)
        self.records = None

    def hop(self):
        """Its ``_Hop``; None when it finds nothing without a query, or reads what a hop does not (then ``run``)."""
        try:
            columns, many2many = _fetched_columns(self.model, self.names)
        except _Unsupported:
            return None
        query = self.model._search(self.domain, order="id")
        if many2many or query.is_empty():
            return None
        return _Hop(self.model, query, columns)

    def run(self):
        if self.records is None:
            self.records = self.model.search_fetch(self.domain, self.names, order="id")
        return self.records.with_env(self.env)


def prefetch_lines_at_once(records, paths, also=None):
    """``prefetch_paths(records, paths)``, the lines of ``records``' one2many fields, the lines' many2one targets
    and many2many pairs read by one statement, not a query per relation. Each relation's part of it is the query
    the ORM's read of that relation makes (the comodel's ``_search``: its record rules, the relation's domain and
    context, archived lines included, its order), nested in one ``SELECT`` of ``json_agg``; the rows go in the
    ORM cache as those reads put them, then ``prefetch_paths`` finds them there. A target the rules hide is not
    in the cache: ``prefetch_paths`` fetches it, and is refused, as without this. Paths of another shape (deeper
    relations, other column types) are loaded by ``prefetch_paths`` alone. ``also``: a ``RelatedSearch`` the same
    statement reads (its ``records`` set)."""
    tree, cache = _tree(paths), records.env.cache
    plan = []
    try:
        for name, subtree in tree.items():
            field = records._fields[name]
            missing = records.browse(cache.get_missing_ids(records, field))
            if subtree and field.type == "one2many" and field.store and missing:
                plan.append((missing, field, *_lines(missing, field, subtree)))
    except _Unsupported:
        plan = []
    searched = also.hop() if also is not None and also.records is None else None
    if plan or searched:
        hops = [hop for _m, _f, lines, targets, pairs in plan for hop in (lines, *targets, *(p for _p, p in pairs))]
        (row,) = records.env.execute_query(
            SQL("SELECT %s", SQL(", ").join(hop.aggregate() for hop in (*hops, *([searched] if searched else ()))))
        )
        rows = iter(value or [] for value in row)
        for missing, field, lines, targets, pairs in plan:
            line_rows = next(rows)
            _load_lines(missing, field, lines.load(line_rows), line_rows, lines.columns)
            for target in targets:
                target.load(next(rows))
            for pairs_field, _hop in pairs:
                by_line = defaultdict(list)
                for line_id, target_id in next(rows):
                    by_line[line_id].append(target_id)
                found = lines.model.browse([row[0] for row in line_rows])
                cache.insert_missing(found, pairs_field, [tuple(by_line[line_id]) for line_id in found._ids])
        if searched:
            also.records = searched.load(next(rows))
    return prefetch_paths(records, paths)


def _load_lines(records, field, lines, rows, columns):
    """The one2many ``field`` of ``records`` in the cache: their ``lines``, in order, grouped by owner."""
    inverse = [column.name for column in columns].index(field.inverse_name) + 1
    by_owner = defaultdict(list)
    for row, line_id in zip(rows, lines._ids, strict=True):
        by_owner[row[inverse]].append(line_id)
    records.env.cache.insert_missing(records, field, [tuple(by_owner[owner_id]) for owner_id in records._ids])


def lines_of_row(model, field_name, owner_alias, names):
    """The lines of the one2many ``field_name`` of the ``model`` row at ``owner_alias`` of an enclosing statement,
    read as ``prefetch_lines_at_once`` reads a page's (the comodel's ``_search``: its record rules, the relation's
    domain and context, archived lines kept, its order; the columns ``names``, the inverse and ``active``), for
    that one row: a hop whose ``aggregate()`` is the SQL of the row's lines (a JSON array, NULL when none) and
    whose rows ``load_lines`` puts in the ORM cache (the DCI batch's lookup statement selects it beside each
    registrant found). ``_Unsupported`` for a column or relation ``prefetch_lines_at_once`` does not build."""
    field = model._fields[field_name]
    comodel = model.env[field.comodel_name].with_context(active_test=False, **field.context)
    columns, many2many = _fetched_columns(comodel, _with_active(comodel, {*names, field.inverse_name}))
    if many2many or comodel._fields[field.inverse_name].type != "many2one":
        raise _Unsupported(comodel._name, field.name)
    query = comodel._search(field.get_domain_list(model), order=comodel._order)
    query.add_where(SQL("%s = %s", SQL.identifier(query.table, field.inverse_name), SQL.identifier(owner_alias, "id")))
    return _Hop(comodel, query, columns)


def load_lines(records, field_name, hop, rows_of):
    """The one2many ``field_name`` of ``records`` and its lines' columns in the ORM cache from ``rows_of`` (what
    ``hop.aggregate()`` of ``lines_of_row`` gave for each of ``records``, in order), as ``prefetch_lines_at_once``
    puts them there; what the cache already holds is kept."""
    rows = [row for record_rows in rows_of for row in record_rows or ()]
    _load_lines(records, records._fields[field_name], hop.load(rows), rows, hop.columns)

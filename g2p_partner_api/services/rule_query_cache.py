"""The SQL of a model's record rules and of its order, built once per worker where it depends on nothing else.

``BaseModel._search`` turns the model's record-rule domain (``ir.rule._compute_domain``, cached by Odoo per
user, model, mode and allowed companies) into SQL at every search, and its order into joins and terms: on a REST
read's relations (identifiers, memberships, their kinds, the groups) that Python is the main cost of loading
them. ``search`` gives the query ``model._search`` gives, with those two parts taken from Odoo's registry cache
(the ``default`` ormcache group: cleared by Odoo, in every worker, when rules, groups, users or companies
change), and built as Odoo builds them on a miss.

Only what is a pure function of its key is kept: the rules' SQL keyed by the domain as Odoo computed it (its
``repr``) and, for ``parent_of`` / ``child_of`` on a tree stored with ``parent_path``, the paths it reads; the
order's SQL keyed by the order, the user and the language (a translated column's SQL names it). A domain is kept
only when every leaf is one whose SQL reads no data and no context: a stored column of the model itself, not
translated, not company-dependent, no field groups, compared by a plain operator with plain values, or a one2many
compared with ids (no path, no name search on a relation, no recordset, no ``any``, no non-stored field's search
method, no hierarchy without ``parent_path``). Any other domain or order, and any model that overrides a method
the SQL comes from, is built by the ORM at each call.
"""

from odoo import models, tools
from odoo.osv import expression
from odoo.tools.query import Query

# operators whose SQL is the column compared with the value (``_condition_to_sql``)
PLAIN_OPERATORS = frozenset(
    {"=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "ilike", "not ilike", "=like", "=ilike"}
)
# on a many2one a string value is a name search: only ids, and the hierarchies resolved by paths
MANY2ONE_OPERATORS = frozenset({"=", "!=", "in", "not in", "parent_of", "child_of"})
HIERARCHY_OPERATORS = frozenset({"parent_of", "child_of"})
PLAIN_TYPES = frozenset({"char", "text", "selection", "boolean", "integer", "float", "date", "datetime"})
PLAIN_VALUES = (str, int, float, type(None))  # bool is an int
# the methods the rules' and the order's SQL come from: a model overriding one is built by the ORM
SQL_METHODS = ("_search", "_where_calc", "_apply_ir_rules", "_order_to_sql", "_order_field_to_sql")
FIELD_SQL_METHODS = ("_field_to_sql", "_condition_to_sql")


def _is_base(model, names):
    return all(getattr(type(model), name) is getattr(models.BaseModel, name) for name in names)


def _plain_field(model, name, translated=False):
    """A stored column of ``model`` whose SQL is its name (``translated``: or, for ``translate=True``, the
    language's key of its value, the language being in the key of what is kept)."""
    field = model._fields.get(name)
    return (
        field is not None
        and field.store
        and field.column_type
        and not field.inherited
        and not field.company_dependent
        and (not field.translate or (translated and field.translate is True))
        and not field.groups
        and (field.type in PLAIN_TYPES or field.type == "many2one")
    )


def _plain_value(value, operator):
    if isinstance(value, (list, tuple)):
        return operator in ("in", "not in") and all(isinstance(item, PLAIN_VALUES) for item in value)
    return isinstance(value, PLAIN_VALUES)


def _hierarchy_ids(model, field, operator, value):
    """The ids a hierarchy leaf names, if its SQL is made of their ``parent_path`` alone (a tree stored with
    ``parent_path``, ids given, not names), else ``None``."""
    comodel = model.env[field.comodel_name]
    if not comodel._parent_store or not _is_base(comodel, SQL_METHODS + FIELD_SQL_METHODS):
        return None
    given = [value] if isinstance(value, int) else list(value)
    if any(not isinstance(item, int) for item in given):  # names (a name search) or None
        return None
    ids = tuple(item for item in given if item)
    if operator == "child_of" and len(ids) < len(given):
        return None  # child_of reads the path of every id given, False included: left to the ORM
    return ids


def _lines_by_id(model, name, operator, value):
    """A one2many compared with ids (e.g. ``('user_ids', '=', user.id)``): a subselect of the lines' stored
    many2one inverse among those ids, made of the ids alone (no name search, no ``active`` filter)."""
    field = model._fields.get(name)
    if field is None or field.type != "one2many" or field.domain or operator not in ("=", "!=", "in", "not in"):
        return False
    ids = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(item, int) and not isinstance(item, bool) for item in ids):
        return False
    comodel = model.env[field.comodel_name]
    inverse = comodel._fields.get(field.inverse_name)
    return (
        inverse is not None
        and inverse.type == "many2one"
        and inverse.store
        and not inverse.company_dependent
        and _is_base(comodel, FIELD_SQL_METHODS)
    )


def _leaf_hierarchy(model, leaf):
    """For a leaf of a rule domain: ``()`` if its SQL is a function of the leaf alone, ``(comodel, ids)`` if of
    the ``parent_path`` of the records ``ids`` as well, ``None`` if it reads more."""
    if expression.is_operator(leaf):
        return ()
    if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
        return None
    if tuple(leaf) in (expression.TRUE_LEAF, expression.FALSE_LEAF):
        return ()
    name, operator, value = leaf
    if isinstance(name, str) and _lines_by_id(model, name, operator, value):
        return ()
    if not isinstance(name, str) or not _plain_field(model, name):
        return None
    field = model._fields[name]
    if field.type != "many2one":
        return () if operator in PLAIN_OPERATORS and _plain_value(value, operator) else None
    if operator not in MANY2ONE_OPERATORS or value is None or not _plain_value(value, "in"):
        return None
    if any(isinstance(item, str) for item in (value if isinstance(value, (list, tuple)) else [value])):
        return None  # a name search
    if operator in HIERARCHY_OPERATORS:
        ids = _hierarchy_ids(model, field, operator, value)
        return None if ids is None else (field.comodel_name, ids)
    return ()


@tools.ormcache("model._name", "text")
def _hierarchies(model, text, domain):
    """The trees the SQL of the rule ``domain`` (``text``: its ``repr``) reads (``(comodel, ids)`` of each
    hierarchy leaf, in order), or ``None`` if it reads anything else: a function of the domain and of the
    models' definitions, kept in the worker."""
    if not _is_base(model, FIELD_SQL_METHODS):
        return None
    trees = []
    for leaf in domain:
        tree = _leaf_hierarchy(model, leaf)
        if tree is None:
            return None
        if tree:
            trees.append(tree)
    return tuple(trees)


def rules_key(model, domain):
    """What the SQL of the rule ``domain`` of ``model`` is a function of (the domain's ``repr``, the
    ``parent_path`` of the records its hierarchy leaves name, read as ``expression`` reads them: as the
    superuser, archived ones too), or ``None`` if it reads more (then it is built at each call)."""
    text = repr(domain)
    trees = _hierarchies(model, text, domain)
    if trees is None:
        return None
    paths = tuple(
        tuple(record.parent_path for record in model.env[comodel].sudo().with_context(active_test=False).browse(ids))
        for comodel, ids in trees
    )
    return (text, paths)


@tools.ormcache("key")
def _rules_where(model, key, domain):
    """The WHERE clauses the rule ``domain`` adds to a query of ``model`` (``_apply_ir_rules``), or ``None`` when
    it adds joins as well."""
    probe = Query(model.env, model._table, model._table_sql)
    expression.expression(domain, model.sudo(), model._table, probe)
    return None if probe._joins else tuple(probe._where_clauses)


def apply_rules(model, query):
    """``model._apply_ir_rules(query, "read")``, the rules' SQL from the worker's cache when it can be kept."""
    if model.env.su:
        return
    domain = model.env["ir.rule"]._compute_domain(model._name, "read")
    if not domain:
        return
    key = rules_key(model, domain) if query.table == model._table else None
    clauses = _rules_where(model, key, domain) if key is not None else None
    if clauses is None:
        expression.expression(domain, model.sudo(), model._table, query)
        return
    for clause in clauses:
        query.add_where(clause)


def _plain_order(model, order, seen=()):
    """Whether the SQL of ``order`` on ``model`` reads nothing but the fields' definitions (each term a stored
    column without groups, many2one terms ordered by a comodel's order of the same kind)."""
    if model._name in seen or not _is_base(model, SQL_METHODS + FIELD_SQL_METHODS):
        return False
    for part in (order or "").split(","):
        match = models.regex_order.match(part)
        if not match or match["property"]:
            return False
        field = model._fields.get(match["field"])
        if not field or not _plain_field(model, field.name, translated=True):
            return False
        if field.type == "many2one":
            comodel = model.env[field.comodel_name]
            if not _plain_order(comodel, comodel._order, (*seen, model._name)):
                return False
    return True


@tools.ormcache(
    "model._name", "order", "model.env.uid", "model.env.su", "model.env.lang", "model.env.context.get('lang')"
)
def _order_parts(model, order):
    """The joins and the ORDER BY terms of ``order`` on a query of ``model`` (``_order_to_sql``), or ``None``."""
    if not _plain_order(model, order):
        return None
    probe = Query(model.env, model._table, model._table_sql)
    terms = model._order_to_sql(order, probe)
    return None if probe._where_clauses else (tuple(probe._joins.items()), terms)


def order_sql(model, order, query):
    """``model._order_to_sql(order, query)``, its joins and terms from the worker's cache when they can be kept."""
    parts = _order_parts(model, order) if query.table == model._table and not query._joins else None
    if parts is None:
        return model._order_to_sql(order, query)
    joins, terms = parts
    query._joins.update(joins)  # the query has no join yet: these are the ones _order_to_sql adds, in order
    return terms


def search(model, domain, offset=0, limit=None, order=None):
    """``model._search(domain, offset, limit, order)``: the same query, its record rules' and order's SQL from the
    worker's cache where they can be kept (see the module). A model that overrides a step is searched by the ORM."""
    if not _is_base(model, SQL_METHODS):
        return model._search(domain, offset=offset, limit=limit, order=order)
    model.browse().check_access("read")
    if expression.is_false(model, domain):
        return model.browse()._as_query()
    query = model._where_calc(domain)
    apply_rules(model, query)
    if order:
        query.order = order_sql(model, order, query)
    query.limit, query.offset = limit, offset
    return query

"""Load what a wire schema reads of a page of records in a fixed number of queries.

Read lazily, every relational hop of ``from_record`` costs a query that fetches every column
of the next model (Odoo prefetches a whole model at a time), and x2many reads go one field
at a time. ``prefetch_paths`` fetches exactly the fields a schema declares: one query per
model hop for the whole page, the leaf models (codes, id types, countries, clients) last,
one query per model however many hops lead there. The records then render from the cache.
Leaves in small reference tables (vocabulary codes, id types, countries) come from a snapshot
each worker keeps (``g2p.reference.data``), without a query.
"""

from collections import defaultdict

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

"""Load what a wire schema reads of a page of records in a fixed number of queries.

Read lazily, every relational hop of ``from_record`` costs a query that fetches every column
of the next model (Odoo prefetches a whole model at a time), and x2many reads go one field
at a time. ``prefetch_paths`` fetches exactly the fields a schema declares: one query per
model hop for the whole page, the leaf models (codes, id types, countries, clients) last,
one query per model however many hops lead there. The records then render from the cache.
"""


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
        _fetch_missing(leaf_records, names)
    return records


def root_fields(paths):
    """The fields of the records themselves that ``paths`` start from (for ``search_fetch``)."""
    return list(dict.fromkeys(path.split(".", 1)[0] for path in paths))

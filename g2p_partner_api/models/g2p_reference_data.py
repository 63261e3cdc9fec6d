from odoo import api, models, tools


class G2PReferenceData(models.AbstractModel):
    """Snapshots of small reference tables (vocabulary codes, id types, countries) kept by each
    worker, so rendering a registrant reads their fields without a query.

    The tables' models clear the registry cache when they change (``g2p.cache.clearing.mixin``;
    ``res.country`` clears it itself when a code changes). A snapshot holds every row, archived
    ones too, as the superuser reads it; whoever reads from it is checked as a fetch would check
    them (``orm_prefetch``).
    """

    _name = "g2p.reference.data"
    _description = "Cached reference data of the partner APIs"

    @api.model
    def _values(self, records, names):
        """{id: {name: value in ORM cache form}} of ``records`` for the fields ``names`` (sorted tuple);
        the ids missing from the snapshot (created since) are not in it."""
        snapshot = self._snapshot(records._name, names, records.env.lang or "en_US")
        return {record_id: snapshot[record_id] for record_id in records.ids if record_id in snapshot}

    @api.model
    @tools.ormcache("model_name", "field_name")
    def _distinct_values(self, model_name, field_name):
        """The values of ``field_name`` over every row of ``model_name`` (a frozenset), kept as the snapshot is."""
        snapshot = self._snapshot(model_name, (field_name,), "en_US")
        return frozenset(values[field_name] for values in snapshot.values())

    @api.model
    @tools.ormcache("model_name", "key_names")
    def _active_ids(self, model_name, key_names):
        """{the values of the fields ``key_names`` (a tuple): id} over the active rows of ``model_name``, kept as
        the snapshot is: a code or an ID type named on the wire resolved without a query. Where two rows share
        the values, the first in the model's order (what a search with limit=1 finds)."""
        snapshot = self._snapshot(model_name, tuple(sorted({"active", *key_names})), "en_US")
        ids = {}
        for record_id, values in snapshot.items():
            if values["active"]:
                ids.setdefault(tuple(values[name] for name in key_names), record_id)
        return ids

    @api.model
    def _find_active(self, model, keys):
        """The active record of ``model`` whose fields have the values ``keys`` ({name: value}), or an empty
        recordset, found as ``model.search(..., limit=1)`` finds it: the right to read checked; from the worker's
        snapshot (no query), unless record rules restrict what ``model``'s user reads, then by that search."""
        model.browse().check_access("read")
        if not model.env.su and model.env["ir.rule"]._compute_domain(model._name, "read"):
            return model.search([(name, "=", value) for name, value in keys.items()], limit=1)
        names = tuple(keys)
        return model.browse(self._active_ids(model._name, names).get(tuple(keys.values())))

    @api.model
    def _put_company_paths(self, company_ids):
        """The ``parent_path`` of the companies ``company_ids`` put in the call's ORM cache from the worker's
        snapshot: the multi-company record rule on partners (``company_id parent_of`` the allowed companies)
        reads it at every search, a query of all of res.company's columns otherwise. Odoo refuses to change
        a company's parent, and creating or deleting a company clears the registry cache: the snapshot holds
        what the table holds. A company created since is left to the ORM to read."""
        Company = self.env["res.company"]
        field = Company._fields["parent_path"]
        paths = self._snapshot("res.company", ("parent_path",), "en_US")
        missing = [cid for cid in self.env.cache.get_missing_ids(Company.browse(company_ids), field) if cid in paths]
        if missing:
            self.env.cache.update(Company.browse(missing), field, [paths[cid]["parent_path"] for cid in missing])

    @tools.ormcache("model_name", "names", "lang")
    def _snapshot(self, model_name, names, lang):
        model = self.env[model_name].sudo().with_context(active_test=False, lang=lang)
        fields = [model._fields[name] for name in names]
        records = model.search_fetch([], list(names))
        return {
            record.id: {field.name: field.convert_to_cache(record[field.name], model) for field in fields}
            for record in records
        }

from odoo import api, models, tools


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    @tools.ormcache("company_id")
    def _g2p_parent_path(self, company_id):
        """The ``parent_path`` of company ``company_id``, kept per worker: Odoo refuses any change of the
        company hierarchy (``res.company.write`` raises on ``parent_id``), so a company's path never changes."""
        return self.sudo().browse(company_id).parent_path

    def _g2p_prime_parent_paths(self):
        """Put the ``parent_path`` of these companies into the transaction's cache, from the worker's cache.

        Every search of a model under a multi-company record rule (``company_id parent_of company_ids``,
        e.g. the registrants') resolves the rule through the companies' ``parent_path``; read through the
        ORM, that is a statement of every ``res_company`` column at each call. Nothing is read or
        granted here that the rule would not: only the value it reads comes from the worker's cache."""
        paths = [self._g2p_parent_path(company_id) for company_id in self.ids]
        known = self.browse(company_id for company_id, path in zip(self.ids, paths, strict=True) if path)
        if known:
            self.env.cache.update(known, self._fields["parent_path"], [path for path in paths if path])

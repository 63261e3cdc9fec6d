import logging

import psycopg2

from odoo import api, fields, models
from odoo.modules import db
from odoo.tools import remove_accents

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """The name duplicate searches compare (services/duplicate_finder.py), indexed for trigram search."""

    _inherit = "res.partner"

    # without accents and in lower case, computed here rather than with PostgreSQL's unaccent():
    # unaccent is not immutable, so an index on unaccent(lower(name)) needs a wrapper function only a
    # database superuser can create; Odoo's trigram index on this column works on every database
    match_name = fields.Char(
        string="Name for matching",
        compute="_compute_match_name",
        store=True,
        index="trigram",
        copy=False,
        help="The registrant's name without accents and in lower case, compared when looking for duplicates.",
    )

    def init(self):
        result = super().init()
        if not self.env.registry.has_trigram:
            # Odoo's database manager creates pg_trgm; databases made otherwise may lack it
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error:
                _logger.warning("PostgreSQL extension pg_trgm unavailable: duplicates are matched on identifiers only")
            # the trigram index of match_name is created right after init() when the function exists
            self.env.registry.has_trigram = db.has_trigram(self.env.cr)
        return result

    @api.model
    def _match_name(self, name):
        return " ".join(remove_accents(name or "").casefold().split()) or False

    @api.depends("name", "is_registrant", "is_group")
    def _compute_match_name(self):
        for rec in self:
            rec.match_name = self._match_name(rec.name) if rec.is_registrant and not rec.is_group else False

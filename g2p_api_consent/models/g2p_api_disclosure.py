from odoo import api, fields, models
from odoo.tools import SQL


class G2PApiDisclosure(models.Model):
    _inherit = "g2p.api.disclosure"

    consent_id = fields.Many2one(
        "g2p.consent",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The consent the data was given under; empty when the client read under a legal basis",
    )

    @api.model
    def _basis_columns(self, client, scope, legal_basis):
        """The consent in force that let ``client`` read each registrant with ``scope``, found in the
        disclosure's INSERT itself (no query of its own): the one naming the client before one for any
        partner, the latest given first. None under a legal basis."""
        columns = super()._basis_columns(client, scope, legal_basis)
        if legal_basis or not scope:
            return columns
        Consent = self.env["g2p.consent"].sudo()
        query = Consent._search(client._current_consent_domain(scope))
        table = query.table
        query.add_where(SQL("%s = disclosed.partner_id", SQL.identifier(table, "partner_id")))
        query.order = SQL(
            "%s IS NULL, %s DESC, %s DESC",
            SQL.identifier(table, "client_id"),
            SQL.identifier(table, "given_date"),
            SQL.identifier(table, "id"),
        )
        query.limit = 1
        return dict(columns, consent_id=SQL("(%s)", query.select(SQL.identifier(table, "id"))))

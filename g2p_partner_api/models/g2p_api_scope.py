from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class G2PApiScope(models.Model):
    """The registry's vocabulary of rights: tokens, consents and routes name a scope by its code. Creating,
    changing and deleting scopes is a system administrator's act (security/ir.model.access.csv); a code never
    changes, and a scope something refers to is never deleted: either would change what every consent and
    client holding it means, with no trace on them."""

    _name = "g2p.api.scope"
    _inherit = ["g2p.cache.clearing.mixin"]  # granted scopes are cached with verified tokens
    _description = "OAuth scope a client may be granted"
    _order = "code"
    _rec_name = "code"
    _rec_names_search = ["code", "description"]

    code = fields.Char(
        required=True,
        help="Scope string as it appears in tokens, e.g. individual:read. It never changes once created: "
        "another code is another scope.",
    )
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "This scope already exists.")]

    @api.depends("code", "description")
    @api.depends_context("g2p_scope_label")
    def _compute_display_name(self):
        # screens about registrants (consents) name the data category; screens about clients, the scope code
        by_description = self.env.context.get("g2p_scope_label") == "description"
        for rec in self:
            rec.display_name = (by_description and rec.description) or rec.code

    def write(self, vals):
        # module data (superuser) may still correct a code it ships; nobody else, whatever the group
        if "code" in vals and not self.env.su:
            renamed = self.filtered(lambda scope: scope.code != vals["code"])
            if renamed:
                raise AccessError(
                    _(
                        "The code of scope %(code)s cannot change: consents, clients and tokens name it. "
                        "Create a new scope for another code.",
                        code=renamed[0].code,
                    )
                )
        return super().write(vals)

    def unlink(self):
        self.check_access("unlink")  # the right first: what refers to a scope is no answer for who may not delete it
        self._check_not_referenced()
        return super().unlink()

    def _check_not_referenced(self):
        for scope in self:
            referring = [label for label, records in scope._referring_records().items() if records]
            if referring:
                raise UserError(
                    _(
                        "Scope %(code)s cannot be deleted: %(referring)s name it, and deleting it would change what "
                        "they grant.",
                        code=scope.code,
                        referring=", ".join(referring),
                    )
                )

    def _referring_records(self):
        """What grants or covers this scope: {what they are, in words: some of them (archived ones included)}."""
        self.ensure_one()
        Client = self.env["g2p.api.client"].sudo().with_context(active_test=False)
        return {_("API clients"): Client.search([("scope_ids", "in", self.ids)], limit=1)}

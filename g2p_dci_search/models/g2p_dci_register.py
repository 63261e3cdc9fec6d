from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services import templates


class G2PDciRegister(models.Model):
    """A searchable register exposed through DCI: what reg_type means and how records look."""

    _name = "g2p.dci.register"
    _description = "DCI register"
    _order = "reg_type"
    _rec_name = "reg_type"

    reg_type = fields.Char(required=True, help="search_criteria.reg_type value that selects this register, e.g. Individual")
    target = fields.Selection([("individual", "Individuals"), ("group", "Groups (households)")], required=True)
    reg_record_type = fields.Char(required=True, help="Echoed in responses; the @type of the records, e.g. spdci:SRPerson")
    outgoing_template = fields.Text(
        required=True,
        help="Sandboxed Jinja producing one JSON-LD record. Context: r (the record as the REST API shows it), "
             "reg_record_type.",
    )
    max_page_size = fields.Integer(default=100, required=True)
    field_ids = fields.One2many("g2p.dci.register.field", "register_id", string="Searchable fields")
    id_type_map_ids = fields.One2many("g2p.dci.id.type.map", "register_id", string="Identifier types")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("reg_type_unique", "unique(reg_type)", "A register with this reg_type already exists."),
        ("max_page_size_positive", "check(max_page_size > 0 and max_page_size <= 1000)", "Max page size is 1 to 1000."),
    ]

    @api.constrains("outgoing_template")
    def _check_template(self):
        for rec in self:
            try:
                templates.check(rec.outgoing_template)
            except templates.TemplateRenderError as exc:
                raise ValidationError(_("Outgoing template of %(reg)s: %(error)s", reg=rec.reg_type, error=exc)) from exc

    def _base_domain(self):
        self.ensure_one()
        return [("is_registrant", "=", True), ("is_group", "=", self.target == "group")]

    def _render(self, wire_record):
        self.ensure_one()
        return templates.render_json(self.outgoing_template, r=wire_record, reg_record_type=self.reg_record_type)

from collections import namedtuple

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services import templates

from ..services import dci_spec
from ..services.dci_query import DciQueryError
from ..services.dci_records import without_empty

DEFAULT_REG_TYPE_PARAM = "g2p_dci_search.default_reg_type"
# search_criteria.response_entity → register target
RESPONSE_ENTITIES = {"member": "individual", "group": "group"}
# reg_record_type / notify_record_type names participants use for what each target holds (the spec's own
# examples say SRPerson, Member, spdci-extensions-dci:Member, Group)
RECORD_TYPE_ALIASES = {"individual": {"srperson", "person", "member"}, "group": {"group", "household"}}
# a searchable field of a register as queries use it (cached: read by every search)
SearchField = namedtuple("SearchField", "name orm_path value_type sortable")
# the columns of a register every search reads, kept by each worker (``G2PDciRegister._from_worker_cache``)
CACHED_COLUMNS = ("reg_type", "registry_types", "target", "reg_record_type", "outgoing_template", "max_page_size")


def local_name(value):
    """``spdci:SRPerson`` → ``srperson``, ``ns:org:RegistryType:Social`` → ``social``
    (prefixes vary between participants)."""
    return str(value).rsplit(":", 1)[-1].strip().lower()


class G2PDciRegister(models.Model):
    """A searchable register exposed through DCI: what reg_type means and how records look."""

    _name = "g2p.dci.register"
    _inherit = ["g2p.cache.clearing.mixin"]
    _description = "DCI register"
    _order = "reg_type"
    _rec_name = "reg_type"

    reg_type = fields.Char(
        required=True, help="search_criteria.reg_type value that selects this register, e.g. Individual"
    )
    registry_types = fields.Char(
        string="SPDCI registry types",
        help="Comma-separated SPDCI registry types this register also answers as reg_type, e.g. "
        "ns:org:RegistryType:Social (matched on the last segment, so spdci:RegistryType:Social works too). "
        "When several registers share a type, response_entity / reg_record_type choose, then the default register.",
    )
    target = fields.Selection([("individual", "Individuals"), ("group", "Groups (households)")], required=True)
    reg_record_type = fields.Char(
        required=True, help="Echoed in responses; the @type of the records, e.g. spdci:SRPerson"
    )
    outgoing_template = fields.Text(
        required=True,
        help="Sandboxed Jinja producing one JSON-LD record. Context: r (the record as the REST API shows it, "
        "identifiers with identifier_type = the DCI id type name; households: members[].person, size), "
        "reg_record_type. "
        'Empty values (null, "", [], {}) are left out of the output.',
    )
    max_page_size = fields.Integer(default=100, required=True)
    field_ids = fields.One2many("g2p.dci.register.field", "register_id", string="Searchable fields")
    id_type_map_ids = fields.One2many("g2p.dci.id.type.map", "register_id", string="Identifier types")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("reg_type_unique", "unique(reg_type)", "A register with this reg_type already exists."),
        ("max_page_size_positive", "check(max_page_size > 0 and max_page_size <= 1000)", "Max page size is 1 to 1000."),
    ]

    def _register_hook(self):
        # the SPDCI schemas every incoming body is checked against, read and compiled before the workers fork
        dci_spec.preload()
        return super()._register_hook()

    @api.constrains("outgoing_template")
    def _check_template(self):
        for rec in self:
            try:
                templates.check(rec.outgoing_template)
            except templates.TemplateRenderError as exc:
                raise ValidationError(
                    _("Outgoing template of %(reg)s: %(error)s", reg=rec.reg_type, error=exc)
                ) from exc

    # --- which register answers -----------------------------------------------------------------
    @api.model
    def _resolve(self, reg_type=None, response_entity=None, reg_record_type=None, id_type=None):
        """The register that answers a search or subscription; DciQueryError when none does (see
        ``_resolve_uncached``). Every search asks: the answer is cached while registers, their id
        type maps and the default register are unchanged."""
        key = (reg_type, response_entity, reg_record_type, id_type)
        if not all(value is None or isinstance(value, str) for value in key):
            return self._resolve_uncached(*key)
        register_id, error = self._resolved_id(*key)
        if error:
            raise DciQueryError(error)
        return self._from_worker_cache(register_id)

    @api.model
    def _from_worker_cache(self, register_id):
        """The register (sudo) with its columns put in the call's ORM cache from the worker's cache: every
        search reads them (target, page size, template), and a call then reads no register row. Cleared
        with the resolved registers at any change of a register (g2p.cache.clearing.mixin, every worker)."""
        register = self.sudo().browse(register_id)
        for name, value in self._cached_columns(register_id):
            self.env.cache.insert_missing(register, self._fields[name], [value])
        return register

    @tools.ormcache("register_id")
    def _cached_columns(self, register_id):
        register = self.sudo().browse(register_id).with_context(active_test=False)
        register.fetch(CACHED_COLUMNS)
        return tuple((name, self.env.cache.get(register, self._fields[name])) for name in CACHED_COLUMNS)

    @tools.ormcache("reg_type", "response_entity", "reg_record_type", "id_type")
    def _resolved_id(self, reg_type, response_entity, reg_record_type, id_type):
        try:
            return self._resolve_uncached(reg_type, response_entity, reg_record_type, id_type).id, None
        except DciQueryError as exc:
            return None, str(exc)

    @api.model
    def _resolve_uncached(self, reg_type=None, response_entity=None, reg_record_type=None, id_type=None):
        """The register that answers a search or subscription; DciQueryError when none does.

        ``reg_type`` is optional in the spec: without it every register is a candidate. It may be a
        register's mnemonic or an SPDCI registry type mapped on registers. ``response_entity``
        (Member → individuals, Group → households) and ``reg_record_type`` narrow the candidates;
        among several, those that map ``id_type`` (an idtype-value query's type: what came back in a
        household's group_identifier finds the household), then the default register (system
        parameter) win, else the first by reg_type.
        """
        candidates = self.sudo().search([])
        if reg_type not in (None, ""):
            candidates = candidates.filtered(lambda r: r._answers_reg_type(reg_type))
            if not candidates:
                raise DciQueryError(f"unknown reg_type {reg_type!r}")
        if response_entity not in (None, ""):
            target = RESPONSE_ENTITIES.get(str(response_entity).lower())
            candidates = candidates.filtered(lambda r: r.target == target)
            if not candidates:
                raise DciQueryError(f"no register answers response_entity {response_entity!r} for this reg_type")
        if reg_record_type not in (None, ""):
            candidates = candidates.filtered(lambda r: r._answers_record_type(reg_record_type))
            if not candidates:
                raise DciQueryError(f"no register answers reg_record_type {reg_record_type!r} for this reg_type")
        if not candidates:
            raise DciQueryError("no DCI register is configured")
        if id_type and len(candidates) > 1:
            candidates = candidates.filtered(lambda r: r._maps_id_type(id_type)) or candidates
        default = candidates.filtered(lambda r: r.reg_type == self._default_reg_type())
        return default or candidates[0]

    @api.model
    def _default_reg_type(self):
        return self.env["ir.config_parameter"].sudo().get_param(DEFAULT_REG_TYPE_PARAM, "Individual")

    def _answers_reg_type(self, reg_type):
        self.ensure_one()
        if str(reg_type).lower() == self.reg_type.lower():
            return True
        return local_name(reg_type) in {local_name(t) for t in (self.registry_types or "").split(",") if t.strip()}

    def _maps_id_type(self, id_type):
        self.ensure_one()
        return str(id_type).lower() in {m.dci_id_type.lower() for m in self.id_type_map_ids}

    def _answers_record_type(self, reg_record_type):
        self.ensure_one()
        wanted = local_name(reg_record_type)
        return wanted == local_name(self.reg_record_type) or wanted in RECORD_TYPE_ALIASES[self.target]

    # --- records ----------------------------------------------------------------------------------
    def _base_domain(self):
        self.ensure_one()
        return [("is_registrant", "=", True), ("is_group", "=", self.target == "group")]

    def _dci_id_type_names(self):
        """registry id type namespace → the DCI id type name records carry: this register's first
        mapping, else another register's, so what a record shows is a name idtype-value searches accept."""
        return dict(self._dci_id_type_name_pairs())

    @tools.ormcache("self.id")
    def _dci_id_type_name_pairs(self):
        # cached: asked for every record rendered; registers and their maps clear it when they change
        self.ensure_one()
        names = {}
        for mapping in self.id_type_map_ids + self.sudo().search([("id", "!=", self.id)]).id_type_map_ids:
            names.setdefault(mapping.id_type_id.namespace_uri, mapping.dci_id_type)
        return tuple(names.items())

    def _search_fields(self):
        """{name: SearchField} of the fields queries may use on this register."""
        return {field.name: field for field in self._search_field_tuple()}

    @tools.ormcache("self.id")
    def _search_field_tuple(self):
        self.ensure_one()
        return tuple(
            SearchField(field.name, field.orm_path, field.value_type, field.sortable) for field in self.sudo().field_ids
        )

    def _mapped_id_type(self, dci_id_type):
        """The g2p.id.type this register maps to the DCI id type name ``dci_id_type`` (any case), else the id
        type of that namespace URI; empty when neither."""
        return self.env["g2p.id.type"].browse(self._mapped_id_type_id(dci_id_type))

    @tools.ormcache("self.id", "dci_id_type")
    def _mapped_id_type_id(self, dci_id_type):
        self.ensure_one()
        wanted = dci_id_type.lower()
        mapped = self.sudo().id_type_map_ids.filtered(lambda m: m.dci_id_type.lower() == wanted).id_type_id
        if not mapped:
            mapped = self.env["g2p.id.type"].sudo().search([("namespace_uri", "=", dci_id_type)], limit=1)
        return mapped[:1].id or None

    def _render(self, wire_record):
        self.ensure_one()
        rendered = templates.render_json(self.outgoing_template, r=wire_record, reg_record_type=self.reg_record_type)
        return without_empty(rendered)

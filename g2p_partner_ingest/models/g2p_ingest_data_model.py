import json
import re

import jsonschema

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services import jsonpath, templates

from ..services.column_map import ColumnMap, ColumnMapInvalid


class G2PIngestDataModel(models.Model):
    """How to read one kind of partner payload: where things are, how to map it, how to answer."""

    _name = "g2p.ingest.data.model"
    _inherit = ["mail.thread", "g2p.guarded.settings.mixin"]
    _description = "Ingest data model"
    _order = "mnemonic"
    _rec_name = "mnemonic"

    mnemonic = fields.Char(required=True, tracking=True, help="Upper-case name partners pass as ?data_model=")
    description = fields.Text()
    detection_pattern_ids = fields.One2many(
        "g2p.ingest.detection.pattern",
        "data_model_id",
        string="Detection patterns",
        help="All must match for the model to be picked when no data_model is given.",
    )
    key_path_sender = fields.Char(
        required=True, default="$.body.header.sender_id", help="JSONPath (over {headers, body}) of the partner mnemonic"
    )
    key_path_message_id = fields.Char(required=True, default="$.body.header.message_id")
    key_path_signature = fields.Char(
        default="$.body.signature", help="Where the JWS is; whether it is required is a setting of each API client"
    )
    key_path_signature_payload = fields.Char(default="$.body.message", help="The exact object the partner signed")
    is_list = fields.Boolean(string="Batch (list of items)")
    key_path_list_elements = fields.Char(
        help="JSONPath of the list whose elements are the items, e.g. $.body.message.households"
    )
    max_items = fields.Integer(default=5000, required=True)
    target = fields.Selection(
        [("individual", "Individuals"), ("group", "Groups (households)")],
        required=True,
        default="individual",
        string="Target register",
    )
    transformation_template = fields.Text(
        required=True, help="Sandboxed Jinja: item (one element) → canonical registrant JSON (see the module README)"
    )
    match_id_type_id = fields.Many2one(
        "g2p.id.type",
        string="Matching identifier type",
        required=True,
        help="An existing registrant with this identifier is updated (UPDATE); otherwise ADD.",
    )
    response_template = fields.Text(
        help="Optional Jinja rendering the acknowledgement; context: response (the G2P envelope)"
    )
    auto_approve = fields.Boolean(
        tracking=True, help="Apply change requests without a person's approval (off by default)."
    )
    duplicate_policy = fields.Selection(
        [("flag", "Flag for review"), ("reject", "Reject the item")],
        default="flag",
        required=True,
        tracking=True,
        help="When a new registrant may already be registered (shared identifier, or similar name and birth date): "
        "flag the change request for a person to decide, or fail the item with DUPLICATE_SUSPECTED.",
    )
    input_schema = fields.Text(
        help="JSON Schema of one item (what the transformation template reads), shown to partners by "
        "GET /partner/data-models"
    )
    input_example = fields.Text(help="One item as a partner sends it: valid against the input schema")
    column_map = fields.Text(
        help="JSON: how a row of a CSV or XLSX file sent to POST /partner/ingest_file becomes a canonical "
        'registrant: {"columns": {header: canonical field or identifiers:<system>}, "values": {field: {written: '
        'code}}, "ignored_columns": [header, ...]}. Without it the data model takes no files.'
    )
    max_file_rows = fields.Integer(default=100000, required=True, help="At most this many rows in one file")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("mnemonic_unique", "unique(mnemonic)", "A data model with this mnemonic already exists."),
        ("max_items_positive", "check(max_items > 0)", "Max items must be positive."),
        ("max_file_rows_positive", "check(max_file_rows > 0)", "Max file rows must be positive."),
    ]

    @api.model
    def _safe_settings(self):
        # auto-approval skips the four-eyes review: API Managers configure data models, only a
        # system administrator lets their change requests apply without a person
        return dict(super()._safe_settings(), auto_approve=False, duplicate_policy="flag")

    @api.onchange("mnemonic")
    def _onchange_mnemonic(self):
        if self.mnemonic:
            self.mnemonic = self.mnemonic.upper()

    @api.constrains(
        "mnemonic",
        "transformation_template",
        "response_template",
        "is_list",
        "key_path_list_elements",
        "key_path_sender",
        "key_path_message_id",
        "key_path_signature",
        "key_path_signature_payload",
    )
    def _check_metadata(self):
        for rec in self:
            if rec.mnemonic != rec.mnemonic.upper() or not re.fullmatch(r"[A-Z0-9_]+", rec.mnemonic):
                raise ValidationError(_("The mnemonic is upper-case letters, digits and underscores."))
            if rec.is_list and not rec.key_path_list_elements:
                raise ValidationError(_("A batch data model needs the JSONPath of its list elements."))
            for path in filter(
                None,
                [
                    rec.key_path_sender,
                    rec.key_path_message_id,
                    rec.key_path_signature,
                    rec.key_path_signature_payload,
                    rec.key_path_list_elements,
                ],
            ):
                try:
                    jsonpath.compile_path(path)
                except jsonpath.JsonPathInvalid as exc:
                    raise ValidationError(str(exc)) from exc
            for source in filter(None, [rec.transformation_template, rec.response_template]):
                try:
                    templates.check(source)
                except templates.TemplateRenderError as exc:
                    raise ValidationError(_("Template of %(model)s: %(error)s", model=rec.mnemonic, error=exc)) from exc

    @api.constrains("input_schema", "input_example")
    def _check_input_documentation(self):
        for rec in self:
            try:
                schema = json.loads(rec.input_schema) if rec.input_schema else None
                example = json.loads(rec.input_example) if rec.input_example else None
            except ValueError as exc:
                raise ValidationError(
                    _("Input schema and example of %(model)s must be JSON: %(error)s", model=rec.mnemonic, error=exc)
                ) from exc
            try:
                if schema is not None:
                    jsonschema.Draft202012Validator.check_schema(schema)
                    if example is not None:
                        jsonschema.Draft202012Validator(schema).validate(example)
            except jsonschema.exceptions.SchemaError as exc:
                raise ValidationError(
                    _("Input schema of %(model)s: %(error)s", model=rec.mnemonic, error=exc.message)
                ) from exc
            except jsonschema.exceptions.ValidationError as exc:
                raise ValidationError(
                    _(
                        "The example of %(model)s does not follow its schema: %(error)s",
                        model=rec.mnemonic,
                        error=exc.message,
                    )
                ) from exc

    @api.constrains("column_map", "target")
    def _check_column_map(self):
        for rec in self.filtered("column_map"):
            if rec.target != "individual":
                raise ValidationError(_("Only a data model of individuals takes files (one row, one person)."))
            try:
                ColumnMap.parse(rec.column_map)
            except ColumnMapInvalid as exc:
                raise ValidationError(_("Column map of %(model)s: %(error)s", model=rec.mnemonic, error=exc)) from exc

    def _column_map(self):
        self.ensure_one()
        return ColumnMap.parse(self.column_map) if self.column_map else None

    def _matches(self, wrapped):
        self.ensure_one()
        return bool(self.detection_pattern_ids) and all(p._matches(wrapped) for p in self.detection_pattern_ids)

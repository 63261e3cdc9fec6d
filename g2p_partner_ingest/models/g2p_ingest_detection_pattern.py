import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services import jsonpath


class G2PIngestDetectionPattern(models.Model):
    _name = "g2p.ingest.detection.pattern"
    _description = "Detection pattern of an ingest data model"

    data_model_id = fields.Many2one("g2p.ingest.data.model", required=True, ondelete="cascade")
    json_path = fields.Char(required=True, help="JSONPath over {headers, body}")
    regex = fields.Char(required=True, help="The value found there must match this regular expression (whole value)")

    @api.constrains("json_path", "regex")
    def _check_pattern(self):
        for rec in self:
            try:
                jsonpath.compile_path(rec.json_path)
                re.compile(rec.regex)
            except (jsonpath.JsonPathInvalid, re.error) as exc:
                raise ValidationError(_("Invalid detection pattern: %s", exc)) from exc

    def _matches(self, wrapped):
        self.ensure_one()
        value = jsonpath.find_first(self.json_path, wrapped)
        return value is not None and re.fullmatch(self.regex, str(value)) is not None

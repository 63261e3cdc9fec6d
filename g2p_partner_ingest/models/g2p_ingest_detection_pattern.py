import regex

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.g2p_partner_api.services import jsonpath

# patterns run on what a partner sent: a backtracking pattern must not hold a worker
MATCH_TIMEOUT_SECONDS = 0.1


class DetectionPatternTimeout(Exception):
    """A detection pattern took longer than its time limit on a payload."""


class G2PIngestDetectionPattern(models.Model):
    _name = "g2p.ingest.detection.pattern"
    _description = "Detection pattern of an ingest data model"

    data_model_id = fields.Many2one("g2p.ingest.data.model", required=True, ondelete="cascade")
    json_path = fields.Char(string="JSONPath", required=True, help="JSONPath over {headers, body}")
    regex = fields.Char(
        required=True,
        help="The value found there must match this regular expression (whole value); "
        f"a match taking longer than {MATCH_TIMEOUT_SECONDS} s counts as an error",
    )

    @api.constrains("json_path", "regex")
    def _check_pattern(self):
        for rec in self:
            try:
                jsonpath.compile_path(rec.json_path)
                regex.compile(rec.regex)
            except (jsonpath.JsonPathInvalid, regex.error) as exc:
                raise ValidationError(_("Invalid detection pattern: %s", exc)) from exc

    def _matches(self, wrapped):
        self.ensure_one()
        value = jsonpath.find_first(self.json_path, wrapped)
        if value is None:
            return False
        try:
            return regex.fullmatch(self.regex, str(value), timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError as exc:
            raise DetectionPatternTimeout(self.data_model_id.mnemonic) from exc

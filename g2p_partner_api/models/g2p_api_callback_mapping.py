from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services import jsonpath


class G2PApiCallbackMapping(models.Model):
    """One JSONPath into a partner's 2xx answer whose values become the partner's references of the
    record the event is about, under one reference type (no code runs: a path, a name)."""

    _name = "g2p.api.callback.mapping"
    _description = "Partner answer → external references"
    _order = "subscription_id, sequence, id"

    subscription_id = fields.Many2one("g2p.api.subscription", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    json_path = fields.Char(string="JSONPath", required=True, help="e.g. $.documentId or $.links[*].id")
    ref_type = fields.Char(
        string="Reference type",
        required=True,
        help="Name the values are stored under (e.g. document, link); every value the path finds is kept",
    )

    @api.constrains("json_path", "ref_type")
    def _check_mapping(self):
        for rec in self:
            check_json_path(rec.json_path)
            if not rec.ref_type.strip():
                raise ValidationError(_("A callback mapping needs a reference type."))


def check_json_path(path):
    """A ValidationError naming the path when jsonpath-ng cannot parse it."""
    try:
        jsonpath.compile_path(path.strip())
    except jsonpath.JsonPathInvalid as exc:
        raise ValidationError(_("Not a usable JSONPath (e.g. $.id or $.links[*].id): %s", exc)) from exc

import json

from odoo import api, fields, models

from odoo.addons.g2p_partner_api.services.vocabularies import GENDER_VOCABULARY

PERSON_KEYS = ("given_name", "addl_name", "family_name", "city")


class G2PChangeRequestEditWizard(models.TransientModel):
    """The proposal of a pending change request as a form: what it says, in fields staff know.

    Saving writes the proposal back as the staff member (so the schema check, the pending-only rule and
    four eyes apply as to any edit); a household's members stay as proposed (the JSON tab edits them).
    """

    _name = "g2p.change.request.edit.wizard"
    _description = "Edit the proposal of a change request"

    change_request_id = fields.Many2one("g2p.change.request", required=True, ondelete="cascade")
    target = fields.Selection(related="change_request_id.target")
    name = fields.Char(string="Household name")
    given_name = fields.Char()
    addl_name = fields.Char(string="Additional name")
    family_name = fields.Char()
    birthdate = fields.Date(string="Birth date")
    gender_id = fields.Many2one("g2p.vocabulary.code", domain=[("namespace_uri", "=", GENDER_VOCABULARY)])
    city = fields.Char()
    identifier_ids = fields.One2many("g2p.change.request.edit.identifier", "wizard_id", string="Identifiers")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        request = self.env["g2p.change.request"].browse(values.get("change_request_id"))
        if not request:
            return values
        proposed = json.loads(request.proposed_values or "{}")
        values.update({key: proposed.get(key) or False for key in (*PERSON_KEYS, "name")})
        values["birthdate"] = proposed.get("birthdate") or False
        if proposed.get("gender"):
            values["gender_id"] = (
                self.env["g2p.vocabulary.code"]
                .search([("namespace_uri", "=", GENDER_VOCABULARY), ("code", "=", proposed["gender"])], limit=1)
                .id
            )
        id_types = {t.namespace_uri: t for t in self.env["g2p.id.type"].search([])}
        values["identifier_ids"] = [
            (0, 0, {"id_type_id": id_types[i["system"]].id, "value": i["value"]})
            for i in proposed.get("identifiers", [])
            if i.get("system") in id_types
        ]
        return values

    def _proposal(self):
        """The request's proposal with this form's fields in it (keys it does not show are kept)."""
        proposed = json.loads(self.change_request_id.proposed_values or "{}")
        if self.target == "group":
            edited = {"name": self.name, "city": self.city}
        else:
            edited = {key: self[key] for key in PERSON_KEYS}
            edited["birthdate"] = self.birthdate.isoformat() if self.birthdate else None
            edited["gender"] = self.gender_id.code or None
        edited["identifiers"] = [
            {"system": line.id_type_id.namespace_uri, "value": line.value} for line in self.identifier_ids
        ]
        proposed.update(edited)
        return {key: value for key, value in proposed.items() if value not in (None, False, "")}

    def action_save(self):
        self.ensure_one()
        self.change_request_id.write({"proposed_values": json.dumps(self._proposal(), sort_keys=True, indent=1)})
        return {"type": "ir.actions.act_window_close"}

import hashlib
import json

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.g2p_partner_api.models.g2p_source_mixin import Provenance

GENDER_VOCABULARY = "urn:g2p:vocab:gender"
KIND_VOCABULARY = "urn:g2p:vocab:group-membership-kind"
BULK_INLINE_LIMIT = 20
# who did what, links and states: set by server code only (trust rule, DESIGN §9)
SERVER_FIELDS = frozenset(
    {
        "name",
        "operation",
        "registrant_id",
        "current_values",
        "state",
        "client_id",
        "source_system",
        "ingest_raw_id",
        "submitted_by_id",
        "last_editor_id",
        "editor_ids",
        "reviewer_id",
        "review_date",
        "reason",
        "error_message",
        "approved_values_hash",
    }
)
# what a person may give when proposing a change by hand (an ADD; the server fills in the rest)
USER_CREATE_FIELDS = frozenset({"operation", "target", "proposed_values"})


class G2PChangeRequest(models.Model):
    """A change a partner proposed to the register; applied only when approved."""

    _name = "g2p.change.request"
    _inherit = ["mail.thread"]
    _description = "Change request"
    _order = "id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/", index=True)
    operation = fields.Selection([("add", "ADD"), ("update", "UPDATE")], required=True, readonly=True, tracking=True)
    target = fields.Selection([("individual", "Individual"), ("group", "Group")], required=True, readonly=True)
    registrant_id = fields.Many2one(
        "res.partner",
        readonly=True,
        ondelete="set null",
        index=True,
        help="The registrant changed (UPDATE) or created (ADD, once applied)",
    )
    proposed_values = fields.Text(required=True, help="Canonical registrant JSON proposed by the partner")
    current_values = fields.Text(readonly=True, help="The registrant as it was when the request was made")
    diff_html = fields.Html(compute="_compute_diff_html", sanitize=False, string="Changes")
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("applied", "Applied"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        tracking=True,
        index=True,
        group_expand=True,
    )
    client_id = fields.Many2one("g2p.api.client", string="Source client", readonly=True, ondelete="set null")
    source_system = fields.Char(readonly=True)
    ingest_raw_id = fields.Many2one("g2p.ingest.raw", string="Ingest item", readonly=True, ondelete="set null")
    ingest_id = fields.Char(related="ingest_raw_id.ingest_id")
    submitted_by_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    last_editor_id = fields.Many2one("res.users", readonly=True, help="Last person who edited the proposed values")
    editor_ids = fields.Many2many(
        "res.users",
        "g2p_change_request_editor_rel",
        "request_id",
        "user_id",
        readonly=True,
        string="Editors",
        help="Everyone who edited the proposed values: none of them may approve",
    )
    reviewer_id = fields.Many2one("res.users", readonly=True, tracking=True)
    review_date = fields.Datetime(readonly=True)
    reason = fields.Text(readonly=True, tracking=True)
    error_message = fields.Text(readonly=True)
    approved_values_hash = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of the proposed values a reviewer approved (checked when applied later)",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                refused = set(vals) - USER_CREATE_FIELDS
                if refused or vals.get("operation", "add") != "add":
                    raise AccessError(
                        _(
                            "These fields of a change request are set by the registry only: %s",
                            ", ".join(sorted(refused or {"operation"})),
                        )
                    )
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("g2p.change.request") or "/"
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            refused = SERVER_FIELDS.intersection(vals)
            if refused:
                raise AccessError(
                    _("These fields of a change request are set by the registry only: %s", ", ".join(sorted(refused)))
                )
        if "proposed_values" not in vals:
            return super().write(vals)
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("Proposed values change only while the request is pending."))
        result = super().write(vals)
        if not self.env.su:
            self._server_write({"last_editor_id": self.env.uid, "editor_ids": [(4, self.env.uid)]})
        return result

    def _server_write(self, vals):
        """Write server-owned fields (states, reviewer, links) on behalf of the caller."""
        return self.sudo().write(vals)

    # --- proposing --------------------------------------------------------------------------
    @api.model
    def _snapshot(self, partner):
        if not partner:
            return {}
        values = {"identifiers": [r._to_wire() for r in partner.reg_id_ids], "city": partner.city or None}
        if partner.is_group:
            values.update(
                name=partner.name,
                members=[
                    {
                        "given_name": m.individual_id.given_name or m.individual_id.name,
                        "family_name": m.individual_id.family_name or None,
                        "identifiers": [r._to_wire() for r in m.individual_id.reg_id_ids],
                        "kinds": m.kind_ids.mapped("code"),
                    }
                    for m in partner.group_member_ids
                    if not m.is_ended
                ],
            )
        else:
            values.update(
                given_name=partner.given_name,
                family_name=partner.family_name or None,
                addl_name=partner.addl_name or None,
                gender=partner.gender_id.code or None,
                birthdate=partner.birthdate.isoformat() if partner.birthdate else None,
            )
        return {k: v for k, v in values.items() if v not in (None, [], "")}

    @api.model
    def _find_registrant(self, canonical, id_type, is_group):
        values = [i["value"] for i in canonical.get("identifiers", []) if i["system"] == id_type.namespace_uri]
        if not values:
            return self.env["res.partner"]
        return self.env["res.partner"].search(
            [
                ("is_registrant", "=", True),
                ("is_group", "=", is_group),
                ("reg_id_ids", "any", [("id_type_id", "=", id_type.id), ("value", "in", values)]),
            ],
            limit=1,
        )

    @api.model
    def _find_by_any_identifier(self, data):
        """The individual holding any of these identifiers (members of a household feed)."""
        Partner = self.env["res.partner"]
        for identifier in data.get("identifiers", []):
            found = Partner.search(
                [
                    ("is_registrant", "=", True),
                    ("is_group", "=", False),
                    (
                        "reg_id_ids",
                        "any",
                        [("id_type_id.namespace_uri", "=", identifier["system"]), ("value", "=", identifier["value"])],
                    ),
                ],
                limit=1,
            )
            if found:
                return found
        return Partner

    @api.model
    def _match(self, data_model, canonical):
        """("update", the registrant) when one of the data model's target holds the matching identifier,
        else ("add", no registrant): the decision the pipeline and the dry run share."""
        existing = self._find_registrant(canonical, data_model.match_id_type_id, data_model.target == "group")
        return ("update" if existing else "add"), existing

    @api.model
    def _proposal_vals(self, raw, canonical):
        operation, existing = self._match(raw.data_model_id, canonical)
        return {
            "operation": operation,
            "target": raw.target,
            "registrant_id": existing.id,
            "proposed_values": json.dumps(canonical, sort_keys=True, indent=1),
            "current_values": json.dumps(self._snapshot(existing), sort_keys=True, indent=1) if existing else False,
            "client_id": raw.client_id.id,
            "source_system": raw.source_system,
            "ingest_raw_id": raw.id,
        }

    @api.model
    def _propose(self, raw, canonical):
        return self.sudo().create(self._proposal_vals(raw, canonical)).sudo(self.env.su)

    @api.model
    def _propose_batch(self, raws):
        """_propose for many ingested items in one create (same outcome, a fraction of the cost)."""
        return (
            self.sudo().create([self._proposal_vals(raw, json.loads(raw.canonical)) for raw in raws]).sudo(self.env.su)
        )

    # --- the diff staff review --------------------------------------------------------------
    @staticmethod
    def _flatten(value, prefix=""):
        if isinstance(value, dict):
            items = {}
            for key, sub in value.items():
                items.update(G2PChangeRequest._flatten(sub, f"{prefix}.{key}" if prefix else key))
            return items
        if isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                return {prefix: ", ".join(str(v) for v in value)}
            items = {}
            for index, sub in enumerate(value):
                items.update(G2PChangeRequest._flatten(sub, f"{prefix}[{index}]"))
            return items
        return {prefix: "" if value is None else str(value)}

    @api.depends("proposed_values", "current_values")
    def _compute_diff_html(self):
        for rec in self:
            proposed = rec._flatten(json.loads(rec.proposed_values or "{}"))
            current = rec._flatten(json.loads(rec.current_values or "{}"))
            rows = []
            for key in sorted(set(proposed) | set(current)):
                old, new = current.get(key, ""), proposed.get(key, "")
                css = "" if old == new else " class='table-warning'"
                rows.append(Markup("<tr{}><td>{}</td><td>{}</td><td>{}</td></tr>").format(Markup(css), key, old, new))
            rec.diff_html = Markup(
                "<table class='table table-sm o_g2p_diff'><thead><tr><th>Field</th><th>Current</th><th>Proposed</th>"
                "</tr></thead><tbody>{}</tbody></table>"
            ).format(Markup("").join(rows))

    # --- review -----------------------------------------------------------------------------
    def _check_can_review(self):
        # no context key, no sudo, switches this off: the pipeline's auto-approval never comes here
        # (it calls _auto_approve, which only server code can reach)
        if not self.env.user.has_group("g2p_partner_api.group_registry_approver"):
            raise AccessError(_("Only Registry Approvers review change requests."))
        for rec in self:
            if rec.state != "pending":
                raise UserError(_("%s is not pending.", rec.name))
            if self.env.user in (rec.submitted_by_id | rec.last_editor_id | rec.editor_ids):
                raise UserError(_("Four eyes: you submitted or edited %s, so someone else must review it.", rec.name))

    @staticmethod
    def _values_hash(proposed_values):
        return hashlib.sha256((proposed_values or "").encode()).hexdigest()

    def action_approve(self):
        self._check_can_review()
        if len(self) > BULK_INLINE_LIMIT:
            now = fields.Datetime.now()
            for rec in self:
                rec._server_write(
                    {
                        "state": "approved",
                        "reviewer_id": self.env.uid,
                        "review_date": now,
                        "approved_values_hash": self._values_hash(rec.proposed_values),
                    }
                )
            for rec in self:
                rec.with_delay(
                    channel="root.g2p_ingest.approval",
                    identity_key=f"g2p_cr_apply:{rec.id}",
                    description=f"Apply {rec.name}",
                )._apply()
            return True
        for rec in self:
            rec._apply()
        return True

    def action_reject(self, reason):
        if not (reason or "").strip():
            raise UserError(_("Give the reason for the rejection."))
        self._check_can_review()
        self._server_write(
            {"state": "rejected", "reason": reason, "reviewer_id": self.env.uid, "review_date": fields.Datetime.now()}
        )
        return True

    def action_open_reject_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "g2p.change.request.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_change_request_ids": self.ids},
        }

    def _auto_approve(self):
        """The pipeline's approval of requests whose data model auto-approves (no person involved).
        Server code only: private, and each request's own data model must say so."""
        todo = self.filtered(lambda r: r.ingest_raw_id.sudo().data_model_id.auto_approve)
        if len(todo) > 1:
            return todo.sudo()._apply_batch()
        return all(rec.sudo()._apply() for rec in todo)

    def _changed_since_approval(self):
        return self.state == "approved" and self.approved_values_hash != self._values_hash(self.proposed_values)

    def _apply(self):
        """Write the proposed values to the register through the ORM, with the partner's provenance."""
        self.ensure_one()
        if self.state not in ("pending", "approved"):
            return False
        if self._changed_since_approval():
            self._server_write({"state": "failed", "error_message": _("The proposed values changed after approval.")})
            self._message_log(body=_("Not applied: the proposed values changed after they were approved."))
            return False
        reviewer = self.reviewer_id or self.env.user
        env = self._apply_env(self.client_id, self.source_system)
        canonical = json.loads(self.proposed_values)
        try:
            with self.env.cr.savepoint():
                registrant = self.with_env(env)._write_registrant(canonical)
        except (UserError, ValueError) as exc:
            self._server_write({"state": "failed", "error_message": str(exc)})
            self._message_log(body=_("Could not apply: %s", exc))
            return False
        self._server_write(
            {
                "state": "applied",
                "registrant_id": registrant.id,
                "reviewer_id": reviewer.id,
                "review_date": self.review_date or fields.Datetime.now(),
                "error_message": False,
            }
        )
        # a note in the chatter (no follower notification): the audit trail staff read,
        # at a fraction of message_post's cost
        self._message_log(
            body=_(
                "Applied to %(registrant)s by %(reviewer)s.", registrant=registrant.display_name, reviewer=reviewer.name
            )
        )
        self.env["g2p.api.subscription"].sudo()._emit("change_request.applied", self)
        return True

    def _apply_env(self, client, source_system):
        """The environment registrants are written in: the partner's provenance, and no "created"
        note per registrant (the change request's own message says who applied what)."""
        return self.env(
            context=dict(
                self.env.context,
                mail_create_nolog=True,
                g2p_provenance=Provenance(client.id, source_system or client.default_source_system),
            )
        )

    def _apply_batch(self):
        """_apply for many requests: new individuals are created in one create per source; the
        others go one by one. Raises on any error (the caller falls back to _apply item by item)."""
        adds = self.filtered(
            lambda r: (
                r.state in ("pending", "approved")
                and r.operation == "add"
                and r.target == "individual"
                and not r._changed_since_approval()
            )
        )
        for rec in self - adds:
            rec._apply()
        reviewer = self.env.user
        now = fields.Datetime.now()
        for (client, source_system), group in adds.grouped(lambda r: (r.client_id, r.source_system)).items():
            env = self._apply_env(client, source_system)
            vals_list = [
                dict(rec._individual_vals(json.loads(rec.proposed_values)), is_registrant=True) for rec in group
            ]
            registrants = self.env["res.partner"].with_env(env).create(vals_list)
            for rec, registrant in zip(group, registrants, strict=True):
                rec._server_write(
                    {
                        "state": "applied",
                        "registrant_id": registrant.id,
                        "reviewer_id": (rec.reviewer_id or reviewer).id,
                        "review_date": rec.review_date or now,
                        "error_message": False,
                    }
                )
            group._message_log_batch(
                bodies={
                    rec.id: self.env._(
                        "Applied to %(registrant)s by %(reviewer)s.",
                        registrant=rec.registrant_id.display_name,
                        reviewer=rec.reviewer_id.name,
                    )
                    for rec in group
                }
            )
            for rec in group:
                self.env["g2p.api.subscription"].sudo()._emit("change_request.applied", rec)
        return True

    def _individual_vals(self, data, partner=None):
        Code = self.env["g2p.vocabulary.code"]
        vals = {k: data.get(k) or False for k in ("given_name", "family_name", "addl_name", "birthdate") if k in data}
        if "city" in data:
            vals["city"] = data["city"] or False
        if data.get("gender"):
            vals["gender_id"] = Code._resolve(GENDER_VOCABULARY, data["gender"], "gender").id
        vals["reg_id_ids"] = self._identifier_commands(data.get("identifiers", []), partner)
        return vals

    def _identifier_commands(self, identifiers, partner):
        existing = {(r.id_type_id.namespace_uri, r.value) for r in partner.reg_id_ids} if partner else set()
        commands = []
        for identifier in identifiers:
            if (identifier["system"], identifier["value"]) not in existing:
                id_type = self.env["g2p.id.type"]._resolve(identifier["system"], "identifiers")
                commands.append((0, 0, {"id_type_id": id_type.id, "value": identifier["value"]}))
        return commands

    def _write_registrant(self, canonical):
        Partner = self.env["res.partner"]
        registrant = self.registrant_id
        if self.target == "individual":
            vals = self._individual_vals(canonical, registrant)
            if registrant:
                registrant.write(vals)
                return registrant
            return Partner.create(dict(vals, is_registrant=True))
        group_vals = {
            "name": canonical["name"],
            "city": canonical.get("city") or False,
            "reg_id_ids": self._identifier_commands(canonical.get("identifiers", []), registrant),
        }
        if registrant:
            registrant.write(group_vals)
        else:
            registrant = Partner.create(dict(group_vals, is_registrant=True, is_group=True, is_company=True))
        current = {m.individual_id: m for m in registrant.group_member_ids if not m.is_ended}
        for member in canonical.get("members", []):
            person = self._find_by_any_identifier(member)
            member_vals = self._individual_vals({k: v for k, v in member.items() if k != "kinds"}, person)
            if person:
                person.write(member_vals)
            else:
                person = Partner.create(dict(member_vals, is_registrant=True))
            kinds = [
                self.env["g2p.vocabulary.code"]._resolve(KIND_VOCABULARY, code, "kinds").id
                for code in member.get("kinds", [])
            ]
            if person in current:
                current[person].kind_ids = [(6, 0, kinds)]
            else:
                self.env["g2p.group.membership"].create(
                    {"group_id": registrant.id, "individual_id": person.id, "kind_ids": [(6, 0, kinds)]}
                )
        return registrant

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.g2p_partner_api.services import duplicate_finder

# set by the pipeline and by the staff actions below, never by users
DUPLICATE_SERVER_FIELDS = frozenset({"possible_duplicate", "duplicate_ids"})
# a system parameter (system administrators only): "0" skips the search, e.g. for the first load of a
# register migrated from a system that was deduplicated already
CHECK_PARAM = "g2p_partner_ingest.duplicate_check"


class G2PChangeRequestDuplicate(models.Model):
    """A registrant that may be the person an ADD proposes (or one member of a proposed household).

    Written by the registry only: every group may read these rows and none may create, change or
    delete them (security/ir.model.access.csv); the decisions below write them as the registry."""

    _name = "g2p.change.request.duplicate"
    _description = "Possible duplicate of a change request"
    _order = "request_id, member_index, score desc, id"

    request_id = fields.Many2one(
        "g2p.change.request", string="Change request", required=True, readonly=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Candidate", required=True, readonly=True, ondelete="cascade")
    candidate_uuid = fields.Char(related="partner_id.uuid", string="Candidate UUID")
    member_index = fields.Integer(
        readonly=True, default=-1, help="Which member of a proposed household (-1: the proposed individual)"
    )
    member_label = fields.Char(string="Proposed person", readonly=True)
    score = fields.Float(string="Similarity", digits=(3, 2), readonly=True, help="1.00 for a shared identifier")
    reasons = fields.Text(readonly=True)
    same_identifier = fields.Boolean(readonly=True)
    resolution = fields.Selection(
        [("merged", "Merged into the candidate"), ("dismissed", "Not a duplicate")], readonly=True
    )
    resolved_by_id = fields.Many2one("res.users", string="Resolved by", readonly=True)
    resolved_date = fields.Datetime(string="Resolved on", readonly=True)
    # side by side: the proposal and the candidate
    proposal_name = fields.Char(compute="_compute_proposal")
    proposal_birthdate = fields.Char(compute="_compute_proposal", string="Proposed birth date")
    proposal_identifiers = fields.Char(compute="_compute_proposal", string="Proposed identifiers")
    candidate_name = fields.Char(related="partner_id.name", string="Candidate name")
    candidate_birthdate = fields.Date(related="partner_id.birthdate", string="Candidate birth date")
    candidate_identifiers = fields.Char(compute="_compute_candidate", string="Candidate identifiers")
    candidate_households = fields.Char(compute="_compute_candidate", string="Candidate households")
    request_state = fields.Selection(related="request_id.state", string="Request state")
    can_merge = fields.Boolean(compute="_compute_can_merge")

    def _proposed_person(self):
        self.ensure_one()
        proposal = json.loads(self.request_id.proposed_values or "{}")
        if self.member_index >= 0:
            members = proposal.get("members") or []
            return members[self.member_index] if self.member_index < len(members) else {}
        return proposal

    @api.depends("request_id.proposed_values", "member_index")
    def _compute_proposal(self):
        Partner = self.env["res.partner"]
        for rec in self:
            person = rec._proposed_person()
            rec.proposal_name = Partner._compose_name(
                person.get("given_name"), person.get("addl_name"), person.get("family_name")
            )
            rec.proposal_birthdate = person.get("birthdate") or ""
            rec.proposal_identifiers = ", ".join(f"{i['system']}|{i['value']}" for i in person.get("identifiers", []))

    @api.depends("partner_id")
    def _compute_candidate(self):
        for rec in self:
            partner = rec.partner_id.sudo()
            rec.candidate_identifiers = ", ".join(f"{r.id_type_id.namespace_uri}|{r.value}" for r in partner.reg_id_ids)
            rec.candidate_households = ", ".join(
                partner.group_membership_ids.filtered(lambda m: not m.is_ended).group_id.mapped("name")
            )

    @api.depends("resolution", "member_index", "request_id.state", "request_id.operation", "request_id.target")
    def _compute_can_merge(self):
        for rec in self:
            request = rec.request_id
            rec.can_merge = (
                not rec.resolution
                and rec.member_index < 0
                and request.state == "pending"
                and request.operation == "add"
                and request.target == "individual"
            )

    # --- staff decisions (four eyes: the group and the request's reviewers are checked before any sudo) ---
    def action_merge(self):
        """Turn the ADD into an UPDATE of this candidate; the proposal stays, the diff is recomputed against
        the candidate, and whoever merged becomes an editor: someone else approves."""
        self.ensure_one()
        request = self.request_id
        request._check_can_review()
        if not self.can_merge:
            raise UserError(_("Only a pending ADD of an individual can be merged into a candidate not yet decided."))
        candidate = self.partner_id.sudo()
        if not candidate.active:
            raise UserError(_("%s is archived.", candidate.display_name))
        request._server_write(
            {
                "operation": "update",
                "registrant_id": candidate.id,
                "current_values": json.dumps(request._snapshot(candidate), sort_keys=True, indent=1),
                "last_editor_id": self.env.uid,
                "editor_ids": [(4, self.env.uid)],
            }
        )
        self._resolve("merged")
        request._message_log(
            body=_(
                "Merged into %(candidate)s (%(uuid)s) by %(user)s: this request now updates that registrant and "
                "needs the approval of someone else.",
                candidate=candidate.display_name,
                uuid=candidate.uuid,
                user=self.env.user.name,
            )
        )
        return True

    def action_not_duplicate(self):
        """Record that the candidates are other people (who and when); the request is no longer flagged
        once every candidate is decided."""
        self.request_id._check_can_review()
        if self.filtered("resolution"):
            raise UserError(_("This candidate was already decided."))
        self._resolve("dismissed")
        for rec in self:
            rec.request_id._message_log(
                body=_(
                    "%(user)s: not a duplicate of %(candidate)s (%(uuid)s).",
                    user=self.env.user.name,
                    candidate=rec.partner_id.sudo().display_name,
                    uuid=rec.partner_id.sudo().uuid,
                )
            )
        return True

    def _resolve(self, resolution):
        self.sudo().write(
            {"resolution": resolution, "resolved_by_id": self.env.uid, "resolved_date": fields.Datetime.now()}
        )


class G2PChangeRequest(models.Model):
    _inherit = "g2p.change.request"

    duplicate_ids = fields.One2many(
        "g2p.change.request.duplicate", "request_id", string="Possible duplicates", readonly=True
    )
    possible_duplicate = fields.Boolean(
        compute="_compute_possible_duplicate",
        store=True,
        index=True,
        help="A new registrant may already be registered: a person decides before approval.",
    )

    @api.depends("operation", "duplicate_ids.resolution")
    def _compute_possible_duplicate(self):
        for rec in self:
            rec.possible_duplicate = rec.operation == "add" and any(not d.resolution for d in rec.duplicate_ids)

    def write(self, vals):
        if not self.env.su and DUPLICATE_SERVER_FIELDS.intersection(vals):
            raise AccessError(
                _(
                    "These fields of a change request are set by the registry only: %s",
                    ", ".join(sorted(DUPLICATE_SERVER_FIELDS.intersection(vals))),
                )
            )
        return super().write(vals)

    # --- the pipeline ------------------------------------------------------------------------
    @api.model
    def _propose(self, raw, canonical):
        request = super()._propose(raw, canonical)
        request._flag_possible_duplicates()
        return request

    @api.model
    def _propose_batch(self, raws):
        requests = super()._propose_batch(raws)
        requests._flag_possible_duplicates()
        return requests

    def _auto_approve(self):
        # a possible duplicate always waits for a person, whatever the data model says
        return super(G2PChangeRequest, self.filtered(lambda r: not r.possible_duplicate))._auto_approve()

    @api.model
    def _duplicate_candidates(self, canonical, target, settings=None):
        """[(member index or -1, label, duplicate_finder.Candidate)] for the people an ADD would create.
        A household member who holds a registered identifier is not a candidate: applying the request
        reuses that person (see _write_registrant)."""
        env = self.sudo().env
        settings = settings or duplicate_finder.Settings.from_env(env)
        if target != "group":
            return [(-1, "", c) for c in duplicate_finder.find(env, canonical, settings)]
        found = []
        Partner = env["res.partner"]
        for index, member in enumerate(canonical.get("members") or []):
            candidates = duplicate_finder.find(env, member, settings)
            if any(c.same_identifier for c in candidates):
                continue
            name = Partner._compose_name(member.get("given_name"), member.get("addl_name"), member.get("family_name"))
            label = _("Member %(number)s: %(name)s", number=index + 1, name=name)
            found += [(index, label, c) for c in candidates]
        return found

    @api.model
    def _duplicate_check_enabled(self):
        return self.env["ir.config_parameter"].sudo().get_param(CHECK_PARAM, "1") not in ("0", "false", "False")

    def _flag_possible_duplicates(self):
        adds = self.filtered(lambda r: r.operation == "add")
        if not adds or not self._duplicate_check_enabled():
            return
        env = self.sudo().env
        settings = duplicate_finder.Settings.from_env(env)
        duplicate_finder.prepare(env, settings)
        vals_list = [
            {
                "request_id": request.id,
                "partner_id": candidate.partner_id,
                "member_index": index,
                "member_label": label,
                "score": candidate.score,
                "reasons": "; ".join(candidate.reasons),
                "same_identifier": candidate.same_identifier,
            }
            for request in adds
            for index, label, candidate in self._duplicate_candidates(
                json.loads(request.proposed_values), request.target, settings
            )
        ]
        if vals_list:
            env["g2p.change.request.duplicate"].create(vals_list)

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.g2p_partner_api.services.vocabularies import GENDER_VOCABULARY


class G2PChangeRequestDuplicate(models.Model):
    """A registrant that may be the person an ADD proposes (or one member of a proposed household), or a
    registered person a household proposal would change (an existing person will change).

    Written by the registry only: every group may read these rows and none may create, change or
    delete them (security/ir.model.access.csv); the decisions below write them as the registry."""

    _name = "g2p.change.request.duplicate"
    _description = "Possible duplicate of a change request"
    _order = "request_id, member_index, score desc, id"

    request_id = fields.Many2one(
        "g2p.change.request", string="Change request", required=True, readonly=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Candidate", required=True, readonly=True, ondelete="cascade")
    candidate_uuid = fields.Char(compute="_compute_candidate", string="Candidate UUID")
    kind = fields.Selection(
        [("possible_duplicate", "Possible duplicate"), ("existing_person", "Existing person will change")],
        required=True,
        readonly=True,
        default="possible_duplicate",
        help="Existing person will change: a proposed household member holds an identifier of this registrant, "
        "who is not in the household; approving would change them and put them in it.",
    )
    member_index = fields.Integer(
        readonly=True, default=-1, help="Which member of a proposed household (-1: the proposed individual)"
    )
    member_label = fields.Char(string="Proposed person", readonly=True)
    score = fields.Float(string="Similarity", digits=(3, 2), readonly=True, help="1.00 for a shared identifier")
    reasons = fields.Text(readonly=True)
    same_identifier = fields.Boolean(readonly=True)
    resolution = fields.Selection(
        [
            ("merged", "Merged into the candidate"),
            ("dismissed", "Not a duplicate"),
            ("update", "Update this person"),
            ("member_rejected", "Member left out"),
        ],
        readonly=True,
    )
    resolved_by_id = fields.Many2one("res.users", string="Resolved by", readonly=True)
    resolved_date = fields.Datetime(string="Resolved on", readonly=True)
    # side by side: the proposal and the candidate, as a person compares them
    proposal_name = fields.Char(compute="_compute_proposal", string="Proposed name")
    proposal_birthdate = fields.Date(compute="_compute_proposal", string="Proposed birth date")
    proposal_identifiers = fields.Char(compute="_compute_proposal", string="Proposed identifiers")
    proposal_gender = fields.Char(compute="_compute_proposal", string="Proposed gender")
    proposal_city = fields.Char(compute="_compute_proposal", string="Proposed city")
    # the candidate as the user may read it: computed as the user (a line built in a form names anyone)
    candidate_name = fields.Char(compute="_compute_candidate", string="Candidate name")
    candidate_birthdate = fields.Date(compute="_compute_candidate", string="Candidate birth date")
    candidate_gender = fields.Char(compute="_compute_candidate", string="Candidate gender")
    candidate_city = fields.Char(compute="_compute_candidate", string="Candidate city")
    candidate_identifiers = fields.Char(compute="_compute_candidate", string="Candidate identifiers")
    candidate_households = fields.Char(compute="_compute_candidate", string="Candidate households")
    match_summary = fields.Char(compute="_compute_comparison", string="What matches")
    merge_warning = fields.Char(
        compute="_compute_comparison",
        help="Merging would give the candidate a second identifier of a type it holds already",
    )
    request_state = fields.Selection(related="request_id.state", string="Request state")
    can_merge = fields.Boolean(compute="_compute_can_merge")

    def _proposed_person(self):
        self.ensure_one()
        proposal = json.loads(self.request_id.proposed_values or "{}")
        if self.member_index >= 0:
            members = proposal.get("members") or []
            return members[self.member_index] if self.member_index < len(members) else {}
        return proposal

    def _id_type_labels(self, systems):
        id_types = self.env["g2p.id.type"].sudo().search([("namespace_uri", "in", list(systems))])
        return {id_type.namespace_uri: id_type.name for id_type in id_types}

    @api.depends("request_id.proposed_values", "member_index")
    def _compute_proposal(self):
        Partner = self.env["res.partner"]
        Code = self.env["g2p.vocabulary.code"].sudo()
        for rec in self:
            person = rec._proposed_person()
            identifiers = person.get("identifiers", [])
            labels = rec._id_type_labels({i["system"] for i in identifiers})
            rec.proposal_name = Partner._compose_name(
                person.get("given_name"), person.get("addl_name"), person.get("family_name")
            )
            # a change request holds validated canonical data: an ISO date or nothing
            rec.proposal_birthdate = fields.Date.to_date(person.get("birthdate")) if person.get("birthdate") else False
            rec.proposal_gender = (
                (
                    Code.search(
                        [("namespace_uri", "=", GENDER_VOCABULARY), ("code", "=", person["gender"])], limit=1
                    ).display
                    if person.get("gender")
                    else ""
                )
                or person.get("gender")
                or ""
            )
            rec.proposal_city = person.get("city") or ""
            rec.proposal_identifiers = ", ".join(
                f"{labels.get(i['system'], i['system'])}: {i['value']}" for i in identifiers
            )

    def _candidate(self):
        """The candidate as the registry reads it, or nobody when the user may not read it."""
        return self.partner_id._readable_as_registry()

    @api.depends(
        "partner_id.uuid", "partner_id.name", "partner_id.birthdate", "partner_id.gender_id", "partner_id.city"
    )
    @api.depends_context("uid")
    def _compute_candidate(self):
        for rec in self:
            partner = rec._candidate()
            rec.candidate_uuid = partner.uuid
            rec.candidate_name = partner.name
            rec.candidate_birthdate = partner.birthdate
            rec.candidate_gender = partner.gender_id.display
            rec.candidate_city = partner.city
            rec.candidate_identifiers = ", ".join(f"{r.id_type_id.name}: {r.value}" for r in partner.reg_id_ids)
            rec.candidate_households = ", ".join(partner.group_membership_ids._open_today().group_id.mapped("name"))

    @api.depends("request_id.proposed_values", "member_index", "partner_id", "score", "same_identifier")
    @api.depends_context("uid")
    def _compute_comparison(self):
        for rec in self:
            candidate = rec._candidate()
            if not candidate:  # nothing compared with a person the user may not read
                rec.match_summary = rec.merge_warning = False
                continue
            person = rec._proposed_person()
            proposed_ids = {(i["system"], i["value"]) for i in person.get("identifiers", [])}
            held_ids = {(r.id_type_id.namespace_uri, r.value) for r in candidate.reg_id_ids}
            labels = rec._id_type_labels({system for system, _value in proposed_ids | held_ids})
            matches = [
                self.env._("same %s", labels.get(system, system)) for system, _value in sorted(proposed_ids & held_ids)
            ]
            if rec.proposal_birthdate and rec.proposal_birthdate == candidate.birthdate:
                matches.append(_("same birth date"))
            elif rec.proposal_birthdate and candidate.birthdate:
                matches.append(_("another birth date"))
            names_equal = (rec.proposal_name or "").casefold() == (candidate.name or "").casefold()
            if names_equal:
                matches.append(_("same name"))
            elif not rec.same_identifier or rec.score < 1:
                matches.append(_("very similar name") if rec.score >= 0.8 else _("similar name"))
            if rec.proposal_city and candidate.city and rec.proposal_city.casefold() == candidate.city.casefold():
                matches.append(_("same city"))
            summary = ", ".join(matches)
            rec.match_summary = summary[:1].upper() + summary[1:]
            # the same type of identifier, another value: merging keeps both on the person
            held_by_system = {}
            for system, value in held_ids:
                held_by_system.setdefault(system, []).append(value)
            conflicts = [
                (labels.get(system, system), value, ", ".join(sorted(held_by_system[system])))
                for system, value in sorted(proposed_ids - held_ids)
                if system in held_by_system
            ]
            rec.merge_warning = (
                "; ".join(
                    self.env._(
                        "The partner sent %(label)s %(sent)s, %(name)s holds %(label)s %(held)s: merging gives this "
                        "person a second %(label)s",
                        label=label,
                        sent=sent,
                        held=held,
                        name=candidate.name,
                    )
                    for label, sent, held in conflicts
                )
                or False
            )

    @api.depends("resolution", "member_index", "request_id.state", "request_id.operation", "request_id.target")
    def _compute_can_merge(self):
        for rec in self:
            request = rec.request_id
            rec.can_merge = (
                rec.kind == "possible_duplicate"
                and not rec.resolution
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
        self.check_access("read")  # the line itself: its candidate may be another company's registrant
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
                "Merged into %(candidate)s by %(user)s: this request now updates that registrant and "
                "needs the approval of someone else.",
                candidate=candidate.display_name,
                user=self.env.user.name,
            )
        )
        return True

    def action_not_duplicate(self):
        """Record that the candidates are other people (who and when); the request is no longer flagged
        once every candidate is decided. Also on a request applied before anyone decided (its sender may not
        read the candidates, see ``_flagged_only_with_hidden_candidates``)."""
        self.check_access("read")
        self.request_id._check_can_review(states=("pending", "applied"))
        self._check_undecided("possible_duplicate")
        self._resolve("dismissed")
        for rec in self:
            rec.request_id._message_log(
                body=_(
                    "%(user)s: not a duplicate of %(candidate)s.",
                    user=self.env.user.name,
                    candidate=rec.partner_id.sudo().display_name,
                )
            )
        return True

    def action_update_existing(self):
        """Decide that the registered person is the member proposed: approving writes the proposed values to
        them and puts them in the household. Recorded (who, when); approval still needs four eyes."""
        return self._decide_existing("update", _("%(user)s: %(member)s is %(candidate)s, update this person."))

    def action_reject_member(self):
        """Decide that approving leaves this member out: the registered person is neither changed nor added."""
        return self._decide_existing(
            "member_rejected",
            _("%(user)s: %(member)s left out, %(candidate)s is not changed."),
        )

    def _decide_existing(self, resolution, note):
        self.check_access("read")
        self.request_id._check_can_review()
        self._check_undecided("existing_person")
        self._resolve(resolution)
        for rec in self:
            candidate = rec.partner_id.sudo()
            rec.request_id._message_log(
                body=note
                % {
                    "user": self.env.user.name,
                    "member": rec.member_label,
                    "candidate": candidate.display_name,
                }
            )
        return True

    def _check_undecided(self, kind):
        if self.filtered("resolution"):
            raise UserError(_("This candidate was already decided."))
        if self.filtered(lambda d: d.kind != kind):
            raise UserError(_("This decision is not one for this line."))

    def _undecided_message(self):
        """What a person must decide before approval, in words."""
        self.ensure_one()
        line = self.sudo()
        candidate = line.partner_id
        proposed = line.member_label or line.proposal_name
        if not candidate.with_env(self.env).has_access("read"):  # another company's registrant: not named
            return _(
                "%(proposed)s may be a registrant of another company: someone of that company must decide first.",
                proposed=proposed,
            )
        if line.kind == "existing_person":
            return _(
                "Decide first whether %(proposed)s may change the registered %(candidate)s (existing person will "
                "change): update this person, or leave the member out.",
                proposed=proposed,
                candidate=candidate.display_name,
            )
        return _(
            "Decide first whether %(proposed)s is %(candidate)s (possible duplicate): merge, or not a duplicate.",
            proposed=proposed,
            candidate=candidate.display_name,
        )

    def _resolve(self, resolution):
        self.sudo().write(
            {"resolution": resolution, "resolved_by_id": self.env.uid, "resolved_date": fields.Datetime.now()}
        )

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.g2p_partner_api.services import duplicate_finder

from ..services.change_request_review import GENDER_VOCABULARY

# set by the pipeline and by the staff actions below, never by users
DUPLICATE_SERVER_FIELDS = frozenset({"possible_duplicate", "existing_person_change", "needs_decision", "duplicate_ids"})
# a system parameter (system administrators only): "0" skips the search, e.g. for the first load of a
# register migrated from a system that was deduplicated already
CHECK_PARAM = "g2p_partner_ingest.duplicate_check"


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
    candidate_uuid = fields.Char(related="partner_id.uuid", string="Candidate UUID")
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
    candidate_name = fields.Char(related="partner_id.name", string="Candidate name")
    candidate_birthdate = fields.Date(related="partner_id.birthdate", string="Candidate birth date")
    candidate_gender = fields.Char(related="partner_id.gender_id.display", string="Candidate gender")
    candidate_city = fields.Char(related="partner_id.city", string="Candidate city")
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

    @api.depends("partner_id")
    def _compute_candidate(self):
        for rec in self:
            partner = rec.partner_id.sudo()
            rec.candidate_identifiers = ", ".join(f"{r.id_type_id.name}: {r.value}" for r in partner.reg_id_ids)
            rec.candidate_households = ", ".join(
                partner.group_membership_ids.filtered(lambda m: not m.is_ended).group_id.mapped("name")
            )

    @api.depends("request_id.proposed_values", "member_index", "partner_id", "score", "same_identifier")
    def _compute_comparison(self):
        for rec in self:
            person = rec._proposed_person()
            candidate = rec.partner_id.sudo()
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
        once every candidate is decided."""
        self.request_id._check_can_review()
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
        candidate = self.partner_id.sudo()
        proposed = self.member_label or self.proposal_name
        if self.kind == "existing_person":
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

    existing_person_change = fields.Boolean(
        compute="_compute_possible_duplicate",
        store=True,
        index=True,
        help="A proposed household member is a registered person who is not in the household: a person "
        "decides whether to update them before approval.",
    )
    needs_decision = fields.Boolean(
        compute="_compute_possible_duplicate",
        store=True,
        index=True,
        help="Approval (by hand or automatic) waits until a person decides each candidate.",
    )

    @api.depends("operation", "duplicate_ids.resolution", "duplicate_ids.kind")
    def _compute_possible_duplicate(self):
        for rec in self:
            undecided = rec._undecided_candidates()
            rec.possible_duplicate = any(d.kind == "possible_duplicate" for d in undecided)
            rec.existing_person_change = any(d.kind == "existing_person" for d in undecided)
            rec.needs_decision = bool(undecided)

    def _undecided_candidates(self):
        """The lines still waiting for a decision: a possible duplicate matters for an ADD (a merged one is
        an UPDATE), an existing person always."""
        self.ensure_one()
        return self.duplicate_ids.filtered(
            lambda d: not d.resolution and (d.kind == "existing_person" or self.operation == "add")
        )

    def _check_decided(self):
        for rec in self:
            undecided = rec._undecided_candidates()
            if undecided:
                raise UserError(
                    "\n".join(
                        [_("%s cannot be approved yet.", rec.display_name)]
                        + [line._undecided_message() for line in undecided]
                    )
                )
        return super()._check_decided()

    def _existing_member_decided(self, index, person):
        line = self.duplicate_ids.filtered(
            lambda d: d.kind == "existing_person" and d.member_index == index and d.partner_id == person
        )[:1]
        if line.resolution == "update":
            return True
        if line.resolution == "member_rejected":
            return False
        return super()._existing_member_decided(index, person)

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        # proposed by the pipeline or by hand: a household naming someone registered waits for a decision
        requests._flag_existing_people()
        return requests

    def write(self, vals):
        if not self.env.su and DUPLICATE_SERVER_FIELDS.intersection(vals):
            raise AccessError(
                _(
                    "These fields of a change request are set by the registry only: %s",
                    ", ".join(sorted(DUPLICATE_SERVER_FIELDS.intersection(vals))),
                )
            )
        result = super().write(vals)
        if "proposed_values" in vals:
            self._flag_existing_people()  # an edited household may now name someone registered
        return result

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
        # a possible duplicate or an existing person always waits for a person, whatever the data model says
        return super(G2PChangeRequest, self.filtered(lambda r: not r.needs_decision))._auto_approve()

    def action_retry(self):
        result = super().action_retry()
        self._flag_existing_people()  # someone registered since the proposal is decided on too
        return result

    def _existing_people(self):
        """[(member index, label, registrant)] for the members of a household proposal who hold an identifier
        of a registered individual that is not an open member of the household."""
        self.ensure_one()
        if self.target != "group":
            return []
        proposal = json.loads(self.proposed_values or "{}")
        CR = self.sudo()
        household = CR.registrant_id.group_member_ids.filtered(lambda m: not m.is_ended).individual_id
        found = []
        for index, member in enumerate(proposal.get("members") or []):
            person = CR._find_by_any_identifier(member)
            if person and person not in household:
                name = CR.env["res.partner"]._compose_name(
                    member.get("given_name"), member.get("addl_name"), member.get("family_name")
                )
                found.append((index, self.env._("Member %(number)s: %(name)s", number=index + 1, name=name), person))
        return found

    def _flag_existing_people(self):
        """An existing person will change: a line per such member, to be decided before approval. Not a
        duplicate check (it cannot be switched off): approving would otherwise rewrite them silently."""
        reasons = self.env._("Holds an identifier of this member")
        vals_list = [
            {
                "request_id": request.id,
                "kind": "existing_person",
                "partner_id": person.id,
                "member_index": index,
                "member_label": label,
                "score": 1.0,
                "reasons": reasons,
                "same_identifier": True,
            }
            for request in self
            for index, label, person in request._existing_people()
            if not request.duplicate_ids.filtered(
                lambda d, i=index, p=person: d.kind == "existing_person" and d.member_index == i and d.partner_id == p
            )
        ]
        if vals_list:
            self.env["g2p.change.request.duplicate"].sudo().create(vals_list)

    @api.model
    def _duplicate_candidates(self, canonical, target, settings=None):
        """[(member index or -1, label, duplicate_finder.Candidate)] for the people an ADD would create.
        A household member who holds a registered identifier is not a candidate: that person is either in the
        household already or an existing person who will change (_flag_existing_people), decided on apart."""
        return self._duplicate_candidates_of_adds([(canonical, target)], settings)[0]

    @api.model
    def _duplicate_candidates_of_adds(self, adds, settings=None):
        """``_duplicate_candidates`` of each ``(canonical, target)`` of ``adds`` (a chunk): the people of
        all of them searched together, in a fixed number of queries (duplicate_finder.find_many)."""
        env = self.sudo().env
        settings = settings or duplicate_finder.Settings.from_env(env)
        people = []  # (position in adds, member index or -1, person)
        for position, (canonical, target) in enumerate(adds):
            if target != "group":
                people.append((position, -1, canonical))
            else:
                people += [(position, index, member) for index, member in enumerate(canonical.get("members") or [])]
        found = [[] for _add in adds]
        Partner = env["res.partner"]
        searched = duplicate_finder.find_many(env, [person for _position, _index, person in people], settings)
        for (position, index, person), candidates in zip(people, searched, strict=True):
            if index < 0:
                found[position] = [(-1, "", c) for c in candidates]
                continue
            if any(c.same_identifier for c in candidates):
                continue
            name = Partner._compose_name(person.get("given_name"), person.get("addl_name"), person.get("family_name"))
            label = _("Member %(number)s: %(name)s", number=index + 1, name=name)
            found[position] += [(index, label, c) for c in candidates]
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
        candidates = self._duplicate_candidates_of_adds(
            [(json.loads(request.proposed_values), request.target) for request in adds], settings
        )
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
            for request, found in zip(adds, candidates, strict=True)
            for index, label, candidate in found
        ]
        if vals_list:
            env["g2p.change.request.duplicate"].create(vals_list)

import hashlib
import json

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from odoo.addons.g2p_partner_api.models.g2p_source_mixin import Provenance
from odoo.addons.g2p_partner_api.services import duplicate_finder, registrant_writer, system_parameters
from odoo.addons.g2p_partner_api.services.api_errors import ApiError, DuplicateError
from odoo.addons.g2p_partner_api.services.caller_defaults import with_caller_defaults, without_caller_defaults
from odoo.addons.g2p_partner_api.services.country_codes import find_country
from odoo.addons.g2p_partner_api.services.registry_calendar import registry_date
from odoo.addons.g2p_partner_api.services.registry_errors import RegistryError
from odoo.addons.g2p_partner_api.services.registry_service import (
    HEAD_KIND,
    manageable_members,
    readable_uuids,
    reader_env,
)
from odoo.addons.g2p_partner_api.services.vocabularies import GENDER_VOCABULARY, KIND_VOCABULARY

from ..services.change_request_review import ChangeRequestReview, subject_name

BULK_INLINE_LIMIT = 20
# requests another one may collide with (an applied one made the registrant the failed one collides with)
CONFLICT_STATES = ("pending", "approved", "applied")
# who did what, links and states: set by server code only (docs/security.md); the target too, once
# proposed: it decides how the proposal is applied, and changing it is no edit of the proposed values (the
# four-eyes rule would not see the person who changed it)
SERVER_FIELDS = frozenset(
    {
        "name",
        "operation",
        "target",
        "registrant_id",
        "current_values",
        "state",
        "client_id",
        "company_id",
        "source_system",
        "ingest_raw_id",
        "submitted_by_id",
        "last_editor_id",
        "editor_ids",
        "reviewer_id",
        "review_date",
        "reason",
        "error_message",
        "partner_failure_reason",
        "error_details",
        "approved_values_hash",
        # set by the pipeline and by the staff's duplicate decisions
        "possible_duplicate",
        "existing_person_change",
        "needs_decision",
        "duplicate_ids",
        "head_change",
    }
)
# a system parameter (system administrators only): "0" skips the duplicate search, e.g. for the first load
# of a register migrated from a system that was deduplicated already
CHECK_PARAM = "g2p_partner_ingest.duplicate_check"
# what a person may give when proposing a change by hand (an ADD; the server fills in the rest)
USER_CREATE_FIELDS = frozenset({"operation", "target", "proposed_values"})
SEQUENCE_CODE = "g2p.change.request"


class G2PChangeRequest(models.Model):
    """A change a partner proposed to the register; applied only when approved."""

    _name = "g2p.change.request"
    _inherit = ["mail.thread"]
    _description = "Change request"
    _order = "id desc"
    _rec_names_search = ["name", "subject_name"]

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
    subject_name = fields.Char(
        string="Name",
        compute="_compute_subject_name",
        store=True,
        help="The registrant's name, or for an ADD the name of the person or household proposed",
    )
    # built by the server from escaped values (ChangeRequestReview), never from user HTML
    diff_html = fields.Html(compute="_compute_diff_html", sanitize=False, string="Changes")
    consent_summary = fields.Text(
        string="Consent",
        compute="_compute_consent_summary",
        help="The registrant's consent a registering agent sent with the proposal: recorded when it is applied",
    )
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
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        ondelete="restrict",
        help="Whose staff see and review the request: its registrant's company, else the company the item came "
        "through (empty: every company's, as requests of new people made before the field)",
    )
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
    error_message = fields.Text(readonly=True, help="Why it was not applied, in words")
    error_details = fields.Text(
        readonly=True, help="The technical text of an unexpected failure (what a person reads is the error message)"
    )
    partner_failure_reason = fields.Text(
        string="Failure as the partner is told it",
        readonly=True,
        help="Why it could not be applied, in the words the submitting partner reads (ingest_status and the "
        "change_request.failed event): never names a registrant, unlike the error staff read.",
    )
    approved_values_hash = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of the proposed values a reviewer approved (checked when applied later)",
    )
    can_review = fields.Boolean(compute="_compute_review_notice", help="The current user may approve or reject it")
    review_notice = fields.Char(compute="_compute_review_notice", help="Who must review it, when not the current user")
    conflict_registrant_ids = fields.Many2many(
        "res.partner",
        "g2p_change_request_conflict_partner_rel",
        compute="_compute_conflicts",
        string="Conflicting registrants",
        help="Registrants that already hold an identifier this failed request proposes",
    )
    conflict_request_ids = fields.Many2many(
        "g2p.change.request",
        "g2p_change_request_conflict_request_rel",
        "request_id",
        "other_id",
        compute="_compute_conflicts",
        string="Conflicting requests",
        help="Other change requests proposing an identifier this failed request proposes",
    )

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

    head_change = fields.Boolean(
        string="Changes the household's head",
        compute="_compute_head_change",
        store=True,
        index=True,
        help="The proposal names as head of an existing household someone who is not its head as the sending "
        "partner sees the household (or the partner sees no head): never applied automatically, a person "
        "decides who heads the household.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        if not self.env.su:
            for vals in vals_list:
                if self._proposed_consent_of(vals.get("proposed_values")) is not None:
                    raise ValidationError(_("consent: only a registering agent's submission carries a consent."))
                refused = set(vals) - USER_CREATE_FIELDS
                if refused or vals.get("operation", "add") != "add":
                    raise AccessError(
                        _(
                            "These fields of a change request are set by the registry only: %s",
                            ", ".join(sorted(refused or {"operation"})),
                        )
                    )
                self._check_proposal(vals.get("target"), vals.get("proposed_values"))
        self._set_company(vals_list)
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        requests = super().create(vals_list)
        # proposed by the pipeline or by hand: a household naming someone registered waits for a decision
        requests._flag_existing_people()
        return requests

    def _set_company(self, vals_list):
        """The company whose staff see a request, when server code did not give it: its registrant's, else the
        company the request is made in (a person's proposal by hand: theirs, refused as input above)."""
        Partner = self.env["res.partner"].sudo()
        for vals in vals_list:
            if "company_id" not in vals:
                registrant = Partner.browse(vals.get("registrant_id"))
                vals["company_id"] = registrant.company_id.id or self.env.company.id

    def write(self, vals):
        if not self.env.su:
            # the right to write first: a proposal's state or validity is no answer for who may not edit it
            self.check_access("write")
            refused = SERVER_FIELDS.intersection(vals)
            if refused:
                raise AccessError(
                    _("These fields of a change request are set by the registry only: %s", ", ".join(sorted(refused)))
                )
        if "proposed_values" not in vals:
            return super().write(vals)
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("Proposed values change only while the request is pending."))
        if not self.env.su:  # the pipeline's proposals passed the schema when they were transformed
            for rec in self:
                rec._check_proposal(rec.target, vals["proposed_values"])
                rec._check_consent_unchanged(vals["proposed_values"])
        result = super().write(vals)
        if not self.env.su:
            self._server_write({"last_editor_id": self.env.uid, "editor_ids": [(4, self.env.uid)]})
        self._flag_existing_people()  # an edited household may now name someone registered
        return result

    @api.model
    def _next_names(self, count):
        """``count`` references from the change requests' sequence, as ``count`` calls of ``next_by_code`` give them,
        with the sequence found and its prefix worked out once, and a standard sequence's numbers drawn in one
        statement (the pipeline names a chunk of 100 requests at once: 200 statements otherwise)."""
        if not count:
            return []
        Sequence = self.env["ir.sequence"]
        Sequence.browse().check_access("read")
        sequence = Sequence.search(
            [("code", "=", SEQUENCE_CODE), ("company_id", "in", [self.env.company.id, False])],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for _i in range(count)]
        self.env.cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [f"ir_sequence_{sequence.id:03d}", count])
        return [sequence.get_next_char(number) for (number,) in self.env.cr.fetchall()]

    def _server_write(self, vals):
        """Write server-owned fields (states, reviewer, links) on behalf of the caller."""
        return self.sudo().write(vals)

    def _check_consent_unchanged(self, proposed_values):
        """The registrant's consent is what the partner sent, with its evidence: staff edit the person, not it."""
        proposed = json.loads(proposed_values)
        if proposed.get("consent") != self._proposed_consent():
            raise ValidationError(_("consent: the registrant's consent is kept as the partner sent it."))

    @api.model
    def _check_proposal(self, target, proposed_values):
        """Refuse a proposal that is not a canonical registrant, saying what is wrong in the form's words."""
        try:
            data = json.loads(proposed_values or "")
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _(
                    "The proposal is not valid JSON (line %(line)s, column %(column)s): %(problem)s",
                    line=exc.lineno,
                    column=exc.colno,
                    problem=exc.msg,
                )
            ) from exc
        problems = ChangeRequestReview(self.env).validation_errors(target, data)
        if problems:
            raise ValidationError("\n".join([_("The proposal cannot be saved:"), *problems]))

    # --- what staff see -----------------------------------------------------------------------
    @api.depends("target", "proposed_values", "registrant_id.name")
    def _compute_subject_name(self):
        for rec in self:
            try:
                proposed = json.loads(rec.proposed_values or "{}")
            except json.JSONDecodeError:
                proposed = {}
            name = subject_name(self.env, rec.target, proposed) if isinstance(proposed, dict) else ""
            rec.subject_name = rec.registrant_id.name or name or False

    @api.depends("name", "subject_name")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.name} · {rec.subject_name}" if rec.subject_name else rec.name

    @api.depends("state", "submitted_by_id", "editor_ids", "last_editor_id")
    @api.depends_context("uid")
    def _compute_review_notice(self):
        user = self.env.user
        approver = user.has_group("g2p_partner_api.group_registry_approver")
        for rec in self:
            editors = rec.editor_ids | rec.last_editor_id
            rec.can_review = approver and user not in (rec.submitted_by_id | editors)
            if rec.state not in ("pending", "failed") or rec.can_review:
                rec.review_notice = False
            elif user == rec.submitted_by_id:
                rec.review_notice = _(
                    "Submitted by %(name)s: another approver must review it.", name=rec.submitted_by_id.name
                )
            elif user in editors:
                rec.review_notice = _(
                    "Edited by %(names)s: another approver must review it.", names=", ".join(editors.mapped("name"))
                )
            else:
                rec.review_notice = _(
                    "Submitted by %(name)s: a Registry Approver must review it.",
                    name=rec.submitted_by_id.name or rec.client_id.name or _("a partner"),
                )

    def _proposed_consent(self):
        return self._proposed_consent_of(self.proposed_values)

    @api.model
    def _proposed_consent_of(self, proposed_values):
        try:
            proposed = json.loads(proposed_values or "{}")
        except json.JSONDecodeError:
            return None
        return proposed.get("consent") if isinstance(proposed, dict) else None

    @api.depends("proposed_values", "client_id")
    def _compute_consent_summary(self):
        for rec in self:
            consent = rec._proposed_consent()
            if not isinstance(consent, dict):
                rec.consent_summary = False
                continue
            rec.consent_summary = _(
                "The registrant consents to share %(scopes)s with %(client)s (given on %(given)s; evidence: "
                "%(evidence)s). Approving records this consent: check the evidence first.",
                scopes=", ".join(map(str, consent.get("scopes") or [])),
                client=rec.client_id.sudo().name or _("the sending partner"),
                given=consent.get("given_on") or _("the day it was received"),
                evidence=consent.get("evidence_reference") or "",
            )

    def _proposed_identifiers(self):
        """(system, value) of every identifier the proposal carries, its household members' included."""
        try:
            proposed = json.loads(self.proposed_values or "{}")
        except json.JSONDecodeError:
            return set()
        if not isinstance(proposed, dict):
            return set()
        people = [proposed, *[m for m in proposed.get("members", []) if isinstance(m, dict)]]
        return {
            (i.get("system"), i.get("value"))
            for person in people
            for i in person.get("identifiers", [])
            if isinstance(i, dict)
        }

    @api.depends("state", "proposed_values", "registrant_id")
    def _compute_conflicts(self):
        Partner = self.env["res.partner"]
        for rec in self:
            rec.conflict_registrant_ids = rec.conflict_request_ids = False
            identifiers = rec._proposed_identifiers() if rec.state == "failed" else set()
            if not identifiers:
                continue
            holders = expression.OR(
                [
                    [("reg_id_ids", "any", [("id_type_id.namespace_uri", "=", system), ("value", "=", value)])]
                    for system, value in identifiers
                ]
            )
            own = rec.registrant_id | rec.registrant_id.group_member_ids.individual_id
            rec.conflict_registrant_ids = Partner.search(
                expression.AND([[("is_registrant", "=", True), ("id", "not in", own.ids)], holders]), limit=10
            )
            mentions = expression.OR([[("proposed_values", "ilike", value)] for _system, value in identifiers])
            candidates = self.search(
                expression.AND([[("id", "!=", rec.id), ("state", "in", CONFLICT_STATES)], mentions]), limit=50
            )
            proposing = candidates.filtered(lambda r, ids=identifiers: r._proposed_identifiers() & ids)
            rec.conflict_request_ids = proposing[:10]

    @api.depends("target", "proposed_values", "current_values", "duplicate_ids.kind", "duplicate_ids.resolution")
    def _compute_diff_html(self):
        review = ChangeRequestReview(self.env)
        for rec in self:
            # the registered people the user may read (a request built in a form names anyone)
            existing = {
                line.member_index: (self._person_snapshot(line._candidate()), line.resolution)
                for line in rec.duplicate_ids
                if line.kind == "existing_person" and line._candidate()
            }
            try:
                proposed = json.loads(rec.proposed_values or "{}")
                current = json.loads(rec.current_values or "{}")
            except json.JSONDecodeError:
                proposed = current = None
            if not isinstance(proposed, dict) or not isinstance(current, dict):
                rec.diff_html = False
                continue
            rec.diff_html = review.html(rec.target, current, self._with_registered_members(proposed), existing)

    @api.model
    def _with_registered_members(self, proposed):
        """``proposed`` with each member named by uuid shown as the registered person is now (a reviewer reads a
        person, not a uuid); one who is no longer registered is shown by the uuid."""
        members = proposed.get("members") if isinstance(proposed, dict) else None
        if not isinstance(members, list) or not any(isinstance(m, dict) and "individual" in m for m in members):
            return proposed
        shown = []
        for member in members:
            person = self._member_reference(member) if isinstance(member, dict) else None
            if person:  # one the user may not read is shown as one no longer registered
                person = person.with_env(self.env)._readable_as_registry()
            if person is None:
                shown.append(member)
            else:
                snapshot = self._person_snapshot(person) if person else {"given_name": member["individual"]}
                shown.append(dict(snapshot, kinds=member.get("kinds", [])))
        return dict(proposed, members=shown)

    @api.model
    def _member_reference(self, member):
        """The registered individual a member named by uuid (``individual``) is (empty when no longer registered);
        None for a member given in full."""
        if "individual" not in member:
            return None
        return (
            self.env["res.partner"]
            .sudo()
            .search(
                [("uuid", "=", member["individual"]), ("is_registrant", "=", True), ("is_group", "=", False)],
                limit=1,
            )
        )

    # --- proposing --------------------------------------------------------------------------
    @api.model
    def _snapshot(self, partner, client=None):
        """The registrant as a request compares its proposal with; for a household proposed by ``client``, its
        members that client may change only (the others stay as they are, and the review says nothing of them)."""
        if not partner:
            return {}
        if not partner.is_group:
            return self._person_snapshot(partner)
        values = {
            "name": partner.name,
            "identifiers": [r._to_wire() for r in partner.reg_id_ids],
            "city": partner.city or None,
            "country": partner.country_id.code or None,
            "members": [
                dict(self._person_snapshot(m.individual_id), kinds=m.kind_ids.mapped("code"))
                for m in self._memberships_client_manages(client, partner.group_member_ids)._open_today()
            ],
        }
        return {k: v for k, v in values.items() if v not in (None, [], "")}

    @api.model
    def _person_snapshot(self, person):
        values = {
            "given_name": person.given_name or person.name,
            "family_name": person.family_name or None,
            "addl_name": person.addl_name or None,
            "gender": person.gender_id.code or None,
            "birthdate": person.birthdate.isoformat() if person.birthdate else None,
            "identifiers": [r._to_wire() for r in person.reg_id_ids],
            "city": person.city or None,
            "country": person.country_id.code or None,
        }
        return {k: v for k, v in values.items() if v not in (None, [], "")}

    @api.model
    def _find_registrants(self, canonicals, id_type, is_group, company=None):
        """For each of ``canonicals``, the registrant (kind ``is_group``) holding one of its identifiers of ``id_type``,
        the first in the register's order, as a search of that one alone with limit=1 finds it; the whole list in
        two statements (the pipeline matches a chunk of 100 items at once). ``company``: the company the items came
        through; only the registrants its staff see are found (see ``_match_many``)."""
        Partner = self.env["res.partner"]
        wanted = [
            {i["value"] for i in canonical.get("identifiers", []) if i["system"] == id_type.namespace_uri}
            for canonical in canonicals
        ]
        values = set().union(*wanted)
        if not values:
            return [Partner] * len(canonicals)
        domain = [
            ("is_registrant", "=", True),
            ("is_group", "=", is_group),
            ("reg_id_ids", "any", [("id_type_id", "=", id_type.id), ("value", "in", list(values))]),
        ]
        if company:
            # the rule staff of that company read contacts under (empty, theirs or a parent of theirs); the
            # company's path from the worker's snapshot, not a query of res.company per chunk
            self.env["g2p.reference.data"]._put_company_paths(company.ids)
            domain += ["|", ("company_id", "=", False), ("company_id", "parent_of", company.ids)]
        found = Partner.search(domain)
        held = {}  # partner id: the values of ``values`` it holds (it was found holding one)
        if found:
            for reg_id in (
                self.env["g2p.reg.id"]
                .sudo()
                .search_fetch(
                    [("partner_id", "in", found.ids), ("id_type_id", "=", id_type.id), ("value", "in", list(values))],
                    ["partner_id", "value"],
                )
            ):
                held.setdefault(reg_id.partner_id.id, set()).add(reg_id.value)
        return [next((p for p in found if held.get(p.id, set()) & values_of), Partner) for values_of in wanted]

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
    def _match(self, data_model, canonical, company=None):
        """("update", the registrant) when one of the data model's target holds the matching identifier,
        else ("add", no registrant): the decision the pipeline and the dry run share. ``company``: see
        ``_match_many``."""
        return self._match_many(data_model, [canonical], company)[0]

    @api.model
    def _match_many(self, data_model, canonicals, company=None):
        """``_match`` of each of ``canonicals``, all searched together. With ``company`` (the one the items came
        through), a registrant its staff do not see (another registry's company) is not matched: no partner changes
        whom it cannot see. Such an item is an ADD, as for someone unknown; the duplicate check then finds the
        registrant, which holds its approval without being named to that company's staff."""
        found = self._find_registrants(
            canonicals, data_model.match_id_type_id, data_model.target == "group", company=company
        )
        return [("update" if existing else "add", existing) for existing in found]

    @api.model
    def _matches_of_raws(self, raws, canonicals):
        """{raw id: ``_match`` of its canonical} for ingested items (``canonicals``: theirs, in order), searched
        together per data model and company (see ``_match_many``)."""
        canonical_of = dict(zip(raws.ids, canonicals, strict=True))
        matches = {}
        for (data_model, company), group in raws.grouped(lambda raw: (raw.data_model_id, raw.company_id)).items():
            found = self._match_many(data_model, [canonical_of[raw_id] for raw_id in group.ids], company)
            matches.update(zip(group.ids, found, strict=True))
        return matches

    @api.model
    def _proposal_vals(self, raw, canonical, match=None):
        """The change request proposing ``canonical`` of ``raw``; ``match``: its ``_match`` when already made."""
        operation, existing = match or self._match(raw.data_model_id, canonical, raw.company_id)
        return {
            "operation": operation,
            "target": raw.target,
            "registrant_id": existing.id,
            "proposed_values": json.dumps(canonical, sort_keys=True, indent=1),
            "current_values": (
                json.dumps(self._snapshot(existing, raw.client_id), sort_keys=True, indent=1) if existing else False
            ),
            "client_id": raw.client_id.id,
            # an UPDATE is its registrant's company's to review; a new person the company the item came through
            "company_id": existing.company_id.id or raw.company_id.id,
            "source_system": raw.source_system,
            "ingest_raw_id": raw.id,
            # a file a staff member uploaded for the partner: they submitted it (four eyes)
            **({"submitted_by_id": raw.uploaded_by_id.id} if raw.uploaded_by_id else {}),
        }

    @api.model
    def _propose(self, raw, canonical, match=None, unlike_anyone=False):
        """The change request of ``raw``, its possible duplicates flagged. ``match``: its ``_match`` when already
        made; ``unlike_anyone``: an ADD the duplicate check of ``raw`` just searched and found like nobody."""
        request = self.sudo().create(self._proposal_vals(raw, canonical, match)).sudo(self.env.su)
        if not unlike_anyone:
            request._flag_possible_duplicates()
        return request

    @api.model
    def _propose_batch(self, raws, matches=None, unlike_anyone=()):
        """_propose for many ingested items in one create (same outcome, a fraction of the cost). ``matches``:
        {raw id: ``_match``} of those of ``raws`` already matched (by the duplicate check of the same chunk);
        ``unlike_anyone``: ids of those of ``raws`` that check found like nobody (not searched again)."""
        matches = matches or {}
        canonical_of = {raw.id: json.loads(raw.canonical) for raw in raws}
        unmatched = raws.filtered(lambda raw: raw.id not in matches)
        matches = {**matches, **self._matches_of_raws(unmatched, [canonical_of[raw.id] for raw in unmatched])}
        vals_list = [self._proposal_vals(raw, canonical_of[raw.id], matches[raw.id]) for raw in raws]
        requests = self.sudo().create(vals_list).sudo(self.env.su)
        requests.filtered(lambda request: request.ingest_raw_id.id not in unlike_anyone)._flag_possible_duplicates()
        return requests

    # --- review -----------------------------------------------------------------------------
    def _check_can_review(self, states=("pending",)):
        # no context key, no sudo, switches this off: the pipeline's auto-approval never comes here
        # (it calls _auto_approve, which only server code can reach)
        if not self.env.user.has_group("g2p_partner_api.group_registry_approver"):
            raise AccessError(_("Only Registry Approvers review change requests."))
        # the record rules too (a request about another company's registrant), before its state is told
        self.check_access("write")
        for rec in self:
            if rec.state not in states:
                raise UserError(_("%s is not pending.", rec.name))
            if self.env.user in (rec.submitted_by_id | rec.last_editor_id | rec.editor_ids):
                raise UserError(_("Four eyes: you submitted or edited %s, so someone else must review it.", rec.name))

    @staticmethod
    def _values_hash(proposed_values):
        return hashlib.sha256((proposed_values or "").encode()).hexdigest()

    def action_approve(self):
        self._check_can_review()
        self._check_decided()
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
                    description=self.env._("Apply %s", rec.name),
                )._apply()
            return True
        for rec in self:
            rec._apply()
        return True

    def _check_decided(self):
        """Refuse approval while the request waits for a person's decision (its possible duplicates)."""
        for rec in self:
            undecided = rec._undecided_candidates()
            if undecided:
                raise UserError(
                    "\n".join(
                        [_("%s cannot be approved yet.", rec.display_name)]
                        + [line._undecided_message() for line in undecided]
                    )
                )
        return True

    def action_reject(self, reason):
        self._check_can_review(states=("pending", "failed"))  # the right first: a refusal tells nothing else
        if not (reason or "").strip():
            raise UserError(_("Give the reason for the rejection."))
        self._server_write(
            {"state": "rejected", "reason": reason, "reviewer_id": self.env.uid, "review_date": fields.Datetime.now()}
        )
        for rec in self:
            rec._tell_submitter("change_request.rejected")
        return True

    def action_open_reject_wizard(self):
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject change request")
            if len(self) == 1
            else _("Reject %(count)s change requests", count=len(self)),
            "res_model": "g2p.change.request.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_change_request_ids": self.ids},
        }

    def action_open_edit_wizard(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Edit the proposal of %s", self.display_name),
            "res_model": "g2p.change.request.edit.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_change_request_id": self.id},
        }

    def action_retry(self):
        """Send failed requests back to review, matched against the register again as the pipeline does
        (an ADD whose person is now registered becomes an UPDATE) and compared with the registrant as it is now."""
        self.check_access("write")
        if self.filtered(lambda r: r.state != "failed"):
            raise UserError(_("Only failed change requests can be retried."))
        for rec in self:
            canonical = json.loads(rec.proposed_values)
            raw = rec.ingest_raw_id.sudo()
            if raw:
                matched = self._proposal_vals(raw, canonical)
                vals = {k: matched[k] for k in ("operation", "registrant_id", "current_values")}
            else:
                snapshot = rec._snapshot(rec.registrant_id, rec.sudo().client_id)
                vals = {"current_values": json.dumps(snapshot, sort_keys=True, indent=1)}
            error = rec.error_message
            rec._server_write(
                dict(
                    vals,
                    state="pending",
                    reviewer_id=False,
                    review_date=False,
                    approved_values_hash=False,
                    error_message=False,
                    partner_failure_reason=False,
                    error_details=False,
                )
            )
            rec._message_log(
                body=_(
                    "Sent back to review by %(name)s (it had failed: %(error)s).", name=self.env.user.name, error=error
                )
            )
        self._flag_existing_people()  # someone registered since the proposal is decided on too
        return True

    def _auto_approve(self):
        """The pipeline's approval of requests whose data model auto-approves (no person involved).
        Server code only: private, and each request's own data model must say so."""
        # a consent for someone already registered gives the sender their data: a person approves it; an
        # existing person, or a possible duplicate the sender may read, always waits for a person, whatever the
        # data model says
        automatic = self.filtered(
            lambda r: (
                r.ingest_raw_id.sudo().data_model_id.auto_approve
                and not (r.operation == "update" and r._proposed_consent())
            )
        )
        unseen = automatic._flagged_only_with_hidden_candidates()
        # who heads an existing household is a person's decision (as REST leaves it to registry staff)
        todo = automatic.filtered(lambda r: (not r.needs_decision or r in unseen) and not r.head_change)
        if len(todo) > 1:
            applied = todo.sudo()._apply_batch()
        else:
            applied = all(rec.sudo()._apply() for rec in todo)
        (todo & unseen).filtered(lambda r: r.state == "applied")._note_applied_before_review()
        return applied

    def _flagged_only_with_hidden_candidates(self):
        """The requests held only by possible duplicates (a similar name and birth date) of registrants their
        sender may not read (``readable_uuids``: its read scope, the REST app's record rules, consent).

        Holding such a request would answer the sender differently for a new person and for one like a
        registrant it may not read (its item pending here, applied there): being in the register is itself
        personal data. The automatic approval applies them as if nobody similar were registered, as REST
        registers them, and the lines stay for staff to decide (``_note_applied_before_review``). A shared
        identifier, an existing person who would change, or a candidate the sender may read still holds it."""
        flagged = self.filtered("needs_decision")
        lines = {request: request._undecided_candidates().sudo() for request in flagged}
        similar_only = flagged.filtered(
            lambda r: all(line.kind == "possible_duplicate" and not line.same_identifier for line in lines[r])
        )
        hidden_only = self.browse()
        for client, requests in similar_only.grouped(lambda r: r.sudo().client_id).items():
            if not client:
                continue
            candidates = self.env["res.partner"].sudo().union(*(lines[r].partner_id for r in requests))
            readable = self._candidates_client_reads(client, candidates)
            hidden_only += self.browse(r.id for r in requests if not lines[r].partner_id & readable)
        return hidden_only

    @api.model
    def _candidates_client_reads(self, client, candidates):
        """The possible duplicates among ``candidates`` that ``client`` may read with individual:read, as
        ``readable_uuids`` decides it (the REST app's record rules, consent), in one statement: only those hold
        or refuse the client's items."""
        uuids = set(readable_uuids(client, client.sudo()._scope_codes(), candidates, "individual:read"))
        return candidates.filtered(lambda partner: partner.uuid in uuids)

    def _note_applied_before_review(self):
        """What staff read on a request applied with undecided possible duplicates."""
        for rec in self:
            rec._message_log(
                body=_(
                    "Applied by the data model's automatic approval before anyone decided its possible duplicates: "
                    "the partner may not read them, and holding the request would have told it that someone "
                    "similar is registered. Compare them: Not a duplicate clears the flag; if it is the same "
                    "person, correct the register."
                )
            )

    def _changed_since_approval(self):
        return self.state == "approved" and self.approved_values_hash != self._values_hash(self.proposed_values)

    def _apply(self):
        """Write the proposed values to the register through the ORM, with the partner's provenance."""
        self.ensure_one()
        if self.state not in ("pending", "approved"):
            return False
        if self._changed_since_approval():
            self._fail(_("The proposed values changed after approval."))
            self._message_log(body=_("Not applied: the proposed values changed after they were approved."))
            return False
        reviewer = self.reviewer_id or self.env.user
        env = self._apply_env(self.client_id, self.source_system)
        canonical = json.loads(self.proposed_values)
        try:
            with self.env.cr.savepoint():
                registrant = self.with_env(env)._write_registrant(canonical)
                self._record_consent(registrant.with_env(env), canonical)
        except (ApiError, RegistryError) as exc:
            # the consent it carries can no longer be recorded: said in the partner's words
            self._fail(exc.message, shown=exc.message)
            self._message_log(body=_("Could not apply: %s", exc.message))
            return False
        except UserError as exc:  # the registry's own sentence, naming what is wrong
            # an identifier already held is told as REST tells it (409 duplicate, nobody named); any other
            # message may name a registrant or a household the partner may not read
            self._fail(str(exc), shown=str(exc) if isinstance(exc, DuplicateError) else None)
            self._message_log(body=_("Could not apply: %s", exc))
            return False
        except ValueError as exc:  # a value the database or a field refused: its text is for the technical page
            words = _("The registry refused one of the proposed values while writing it.")
            self._fail(words, details=str(exc))
            self._message_log(body=_("Could not apply: %s", words))
            return False
        self._server_write(
            {
                "state": "applied",
                "registrant_id": registrant.id,
                "reviewer_id": reviewer.id,
                "review_date": self.review_date or fields.Datetime.now(),
                "error_message": False,
                "error_details": False,
                "partner_failure_reason": False,
            }
        )
        if self.operation == "add":
            self._log_registration()
        # a note in the chatter (no follower notification): the audit trail staff read,
        # at a fraction of message_post's cost
        self._message_log(
            body=_(
                "Applied to %(registrant)s by %(reviewer)s.", registrant=registrant.display_name, reviewer=reviewer.name
            )
        )
        self._tell_submitter("change_request.applied")
        return True

    def _record_consent(self, registrant, canonical):
        """The registrant's consent the proposal carries, for the client that sent it, recorded in the registrant's
        environment (the partner's provenance), as of the registry's day the item was received (the day its
        acceptance checked the consent against)."""
        if canonical.get("consent") is None:
            return
        received = self.ingest_raw_id.sudo().create_date or self.create_date
        as_of = registry_date(self.env, received)
        self.client_id.sudo()._record_registration_consent(registrant, canonical["consent"], as_of)

    def _fail(self, error, shown=None, details=False):
        """Mark the request failed with ``error`` (for staff, in words), ``details`` (its technical text) and
        ``shown`` (for the partner), and tell the partner."""
        self._server_write(
            {
                "state": "failed",
                "error_message": error,
                "error_details": details,
                "partner_failure_reason": shown or _("It could not be applied to the register as proposed."),
            }
        )
        self._tell_submitter("change_request.failed")

    def _reason_for_partner(self):
        """Why the request went no further, in words the submitting partner may read; None while it goes on."""
        self.ensure_one()
        if self.state == "rejected":
            return self.reason
        if self.state == "failed":
            return self.partner_failure_reason or _("It could not be applied to the register as proposed.")
        return None

    def _tell_submitter(self, event_type):
        """The event of this request, for the client that submitted it (see g2p.api.subscription._payload_for)."""
        self.ensure_one()
        if self.sudo().client_id:
            self.env["g2p.api.subscription"].sudo()._emit(event_type, self)

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
        by_source = adds.grouped(lambda r: (r.client_id, r.source_system, r.sudo().company_id))
        for (client, source_system, company), group in by_source.items():
            env = self._apply_env(client, source_system)
            vals_list = [rec._individual_vals(json.loads(rec.proposed_values)) for rec in group]
            registrants = registrant_writer.create(env, vals_list, company=company)
            for rec, registrant in zip(group, registrants, strict=True):
                rec._record_consent(registrant, json.loads(rec.proposed_values))
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
            group._log_registration()
            for rec in group:
                rec._tell_submitter("change_request.applied")
        return True

    def _log_registration(self):
        """The first line of each new registrant's chatter: the change request that registered it, as a link,
        and the partner that sent it (in place of the generic "created" note, see ``_apply_env``)."""
        registrants = self.registrant_id
        bodies = {}
        for rec in self:
            client = rec.client_id.sudo().name
            text = (
                _("Registered by change request %(request)s from %(client)s.")
                if client
                else _("Registered by change request %(request)s.")
            )
            bodies[rec.registrant_id.id] = Markup(text) % {"request": rec._get_html_link(), "client": client}
        registrants._message_log_batch(bodies=bodies)

    def _new_people_company(self):
        """The company of the people this request registers: the request's (the company the item came through),
        whoever approves it; none for a request made before requests had one, as it had none."""
        return self.sudo().company_id

    def _individual_vals(self, data, partner=None):
        """ORM values of the individual ``data`` proposes (its gender code and ID types resolved from the worker's
        snapshot of reference data, no query: see ``g2p.vocabulary.code._resolve``)."""
        vals = {k: data.get(k) or False for k in ("given_name", "family_name", "addl_name", "birthdate") if k in data}
        vals.update(self._place_vals(data))
        if data.get("gender"):
            gender = self.env["g2p.vocabulary.code"]._resolve(GENDER_VOCABULARY, data["gender"], "gender")
            vals["gender_id"] = gender.id
        vals["reg_id_ids"] = self._identifier_commands(data.get("identifiers", []), partner)
        return vals

    def _place_vals(self, data):
        vals = {}
        if "city" in data:
            vals["city"] = data["city"] or False
        if data.get("country") is not None:
            country = find_country(self.env, data["country"])
            if not country:
                raise UserError(_("country: %r is not an ISO 3166-1 country code.", data["country"]))
            vals["country_id"] = country.id
        return vals

    def _identifier_commands(self, identifiers, partner):
        """Identifiers are only ever added by a change request (see ChangeRequestReview)."""
        IdType = self.env["g2p.id.type"]
        wanted = [(IdType._resolve(i["system"], "identifiers").id, i["value"]) for i in identifiers]
        return registrant_writer.identifier_commands(partner, wanted, remove_others=False)

    def _write_registrant(self, canonical):
        registrant = self.registrant_id
        if self.target == "individual":
            return registrant_writer.save(
                self.env, registrant, self._individual_vals(canonical, registrant), company=self._new_people_company()
            )
        group_vals = {
            "name": canonical["name"],
            "city": canonical.get("city") or False,
            "reg_id_ids": self._identifier_commands(canonical.get("identifiers", []), registrant),
            **self._place_vals({"country": canonical.get("country")}),
        }
        registrant = registrant_writer.save(
            self.env, registrant, group_vals, is_group=True, company=self._new_people_company()
        )
        # the memberships of people the sender may not read are not its to change: left exactly as they are
        managed = self._memberships_client_manages(self.sudo().client_id, registrant.group_member_ids)
        members = canonical.get("members", [])
        wanted = {}
        for index, member in enumerate(members):
            person = self._member_reference(member)
            if person is not None:  # named by uuid: that person, as registered (checked readable when received)
                if not person:
                    raise UserError(_("Member %s is no longer registered.", index + 1))
                self._check_not_given_yet(index, person, wanted)
            else:
                person = self._find_by_any_identifier(member)
                if person and person not in managed._open_today().individual_id:
                    # someone registered who is not in this household: only as an approver decided
                    if not self._existing_member_decided(index, person):
                        continue
                self._check_not_given_yet(index, person, wanted)
                person_values = {k: v for k, v in member.items() if k not in ("kinds", "start_date")}
                person = registrant_writer.save(
                    self.env, person, self._individual_vals(person_values, person), company=self._new_people_company()
                )
            kinds = [
                self.env["g2p.vocabulary.code"]._resolve(KIND_VOCABULARY, code, "kinds").id
                for code in member.get("kinds", [])
            ]
            wanted[person.id] = {"kind_ids": [(6, 0, kinds)]}
            if member.get("start_date"):
                wanted[person.id]["start_date"] = member["start_date"]
        if members:
            # the proposal is the household as its sender sees it now: whoever it leaves out has left; a
            # proposal without members leaves them be
            registrant.group_member_ids = registrant_writer.membership_commands(self.env, managed, wanted)
        return registrant

    @api.model
    def _memberships_client_manages(self, client, memberships):
        """The part of ``memberships`` (a household's) whose members ``client`` may read and write as a REST write of
        the group's members decides it (``manageable_members``): the record rules of the REST endpoint of the request's
        company (the ingest endpoint's that received it; without a request, the household's), not of whoever
        approves nor of another registry, and the client's consent. A proposal of that client changes those only.
        Every one for a request made by hand (no client); none when that company has no REST endpoint to read by."""
        if not client or not memberships:
            return memberships
        request = self.sudo() if len(self) == 1 else self.browse()
        company = request.company_id or memberships.sudo().group_id[:1].company_id or self.env.company
        reader = reader_env(self.env, company)
        if reader is None:
            return memberships.browse()
        people = manageable_members(client.sudo(), memberships.individual_id.with_env(reader))
        return memberships.filtered(lambda m: m.individual_id.id in people.ids)

    def _check_not_given_yet(self, index, person, wanted):
        """Refuses member ``index`` when it is ``person``, given as an earlier member (``wanted``: their memberships)
        too: a proposal made before the items naming one person twice were refused (_check_members_once)."""
        if person and person.id in wanted:
            raise UserError(_("Member %(number)s is a person given as another member too.", number=index + 1))

    def _existing_member_decided(self, index, person):
        """Whether member ``index``, who is the registered ``person``, is written (True) or left out (False)
        by decision of an approver; raises when nobody decided."""
        line = self.duplicate_ids.filtered(
            lambda d: d.kind == "existing_person" and d.member_index == index and d.partner_id == person
        )[:1]
        if line.resolution == "update":
            return True
        if line.resolution == "member_rejected":
            return False
        raise UserError(
            _(
                "Member %(number)s is %(person)s, who is already registered: send the request back to review.",
                number=index + 1,
                person=person.display_name,
            )
        )

    # --- possible duplicates and existing people -----------------------------------------------
    @api.depends("operation", "duplicate_ids.resolution", "duplicate_ids.kind")
    def _compute_possible_duplicate(self):
        for rec in self:
            undecided = rec._undecided_candidates()
            rec.possible_duplicate = any(d.kind == "possible_duplicate" for d in undecided)
            rec.existing_person_change = any(d.kind == "existing_person" for d in undecided)
            rec.needs_decision = bool(undecided)

    # not on the registrant's memberships, nor on registrant_id (applying writes it): the flag says what the
    # proposal was when the sender made it or staff edited it
    @api.depends("operation", "target", "client_id", "proposed_values")
    def _compute_head_change(self):
        for rec in self:
            rec.head_change = rec._names_new_head()

    def _names_new_head(self):
        """Whether the proposal, for an existing household, names as head someone who is not its open head as the
        sending client reads the household (``_memberships_client_manages``), or names a head where that client
        reads none. Judged on what the client reads only: a head it may not read is no head here, so the request is
        held alike whether one exists or not."""
        self.ensure_one()
        if self.operation != "update" or self.target != "group" or not self.registrant_id:
            return False
        try:
            proposal = json.loads(self.proposed_values or "{}")
        except json.JSONDecodeError:
            return False
        members = proposal.get("members") if isinstance(proposal, dict) else None
        named = [m for m in members or [] if isinstance(m, dict) and HEAD_KIND in (m.get("kinds") or [])]
        if not named:
            return False
        as_registry = self.sudo()
        managed = self._memberships_client_manages(as_registry.client_id, as_registry.registrant_id.group_member_ids)
        heads = managed._open_today().filtered(lambda m: HEAD_KIND in m.kind_ids.mapped("code")).individual_id
        for member in named:
            person = as_registry._member_reference(member)
            if person is None:
                person = as_registry._find_by_any_identifier(member)
            if not person or person not in heads:
                return True
        return False

    def _undecided_candidates(self):
        """The lines still waiting for a decision: a possible duplicate matters for an ADD (a merged one is
        an UPDATE), an existing person always."""
        self.ensure_one()
        # every line, those about a registrant the reviewer may not read included: a hidden one still blocks
        return (
            self.sudo()
            .duplicate_ids.filtered(
                lambda d: not d.resolution and (d.kind == "existing_person" or self.operation == "add")
            )
            .with_env(self.env)
        )

    def _existing_people(self):
        """[(member index, label, registrant)] for the members of a household proposal who hold an identifier
        of a registered individual that is not an open member of the household."""
        self.ensure_one()
        if self.target != "group":
            return []
        proposal = json.loads(self.proposed_values or "{}")
        as_registry = self.sudo()
        # as the sender sees the household: one of its members the sender may not read is not told from anyone else
        managed = self._memberships_client_manages(as_registry.client_id, as_registry.registrant_id.group_member_ids)
        household = managed._open_today().individual_id
        found = []
        for index, member in enumerate(proposal.get("members") or []):
            person = as_registry._find_by_any_identifier(member)
            if person and person not in household:
                name = as_registry.env["res.partner"]._compose_name(
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
            without_caller_defaults(self.env["g2p.change.request.duplicate"].sudo()).create(vals_list)

    @api.model
    def _duplicate_candidates(self, canonical, target, settings=None):
        """[duplicate_finder.PossibleDuplicate] for the people an ADD would create.
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
                continue
            for index, member in enumerate(canonical.get("members") or []):
                if "individual" not in member:  # a registered individual named by uuid: no one new
                    people.append((position, index, member))
        found = [[] for _add in adds]
        Partner = env["res.partner"]
        searched = duplicate_finder.find_many(env, [person for _position, _index, person in people], settings)
        for (position, index, person), candidates in zip(people, searched, strict=True):
            if index < 0:
                found[position] = [duplicate_finder.PossibleDuplicate(-1, "", c) for c in candidates]
                continue
            if any(c.same_identifier for c in candidates):
                continue
            name = Partner._compose_name(person.get("given_name"), person.get("addl_name"), person.get("family_name"))
            label = _("Member %(number)s: %(name)s", number=index + 1, name=name)
            found[position] += [duplicate_finder.PossibleDuplicate(index, label, c) for c in candidates]
        return found

    @api.model
    def _duplicate_check_enabled(self):
        return system_parameters.switch(self.env["ir.config_parameter"].sudo().get_param(CHECK_PARAM), True)

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
                "partner_id": possible.candidate.partner_id,
                "member_index": possible.member_index,
                "member_label": possible.member_label,
                "score": possible.candidate.score,
                "reasons": "; ".join(possible.candidate.reasons),
                "same_identifier": possible.candidate.same_identifier,
            }
            for request, found in zip(adds, candidates, strict=True)
            for possible in found
        ]
        if vals_list:
            without_caller_defaults(env["g2p.change.request.duplicate"]).create(vals_list)

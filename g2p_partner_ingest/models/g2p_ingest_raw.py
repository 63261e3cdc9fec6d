import hashlib
import json
import logging
import uuid
from contextlib import nullcontext
from functools import partial
from itertools import islice

from pydantic import ValidationError as PydanticValidationError

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_datetime

from odoo.addons.g2p_partner_api.services import duplicate_finder, templates
from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.country_codes import EXPECTED as COUNTRY_EXPECTED
from odoo.addons.g2p_partner_api.services.pretty_json import pretty_json
from odoo.addons.g2p_partner_api.services.registry_errors import RegistryError
from odoo.addons.g2p_partner_api.services.registry_service import readable_uuids
from odoo.addons.queue_job.exception import RetryableJobError

from ..schemas.canonical import CanonicalGroup, CanonicalRegistrant, plain_loc
from ..services.change_request_review import ChangeRequestReview
from ..services.error_report import (
    MEMBER_GIVEN_TWICE,
    ErrorReport,
    only_unknown_codes,
    reference_details,
    validation_details,
)

_logger = logging.getLogger(__name__)
STEP_STATUS = [("pending", "Pending"), ("done", "Done"), ("skipped", "Skipped"), ("failed", "Failed")]
NEXT_STEP = {"classification": "transformation", "transformation": "ingestion"}
# an item carrying a consent its sender may not record (not a registering agent, scopes, dates)
CONSENT_REFUSED = "CONSENT_REFUSED"
# what a client that may not read every registrant is told of an item's operation: ADD and UPDATE alike
ADD_OR_UPDATE = "ADD_OR_UPDATE"
# the `reject` duplicate policy's failure: the item would add someone already registered
DUPLICATE_SUSPECTED = "DUPLICATE_SUSPECTED"
CLEARED_ERROR = {"error_code": False, "error_message": False, "error_details": False}


REFERENCE_EXPECTED = {"country": COUNTRY_EXPECTED, "id_type": "an active ID type of the registry"}


def template_hash(data_model):
    return hashlib.sha256((data_model.transformation_template or "").encode()).hexdigest()


def field_path(loc):
    """("members", 0, "gender") → "members[0].gender", as partners read it in an error."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path


class PermanentIngestError(Exception):
    """An item that can never succeed as it is: the row is marked failed with this code."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.details = details


class G2PIngestRaw(models.Model):
    """One item received on /partner/ingest_data, exactly as sent, and its way through the pipeline."""

    _name = "g2p.ingest.raw"
    _description = "Ingested item (raw)"
    _order = "id desc"
    _rec_name = "ingest_id"

    correlation_id = fields.Char(required=True, index=True, readonly=True)
    ingest_id = fields.Char(required=True, index=True, readonly=True)
    message_id = fields.Char(required=True, readonly=True)
    item_index = fields.Integer(readonly=True)
    file_row = fields.Integer(
        readonly=True, help="The item's row in the file it came in (the header is row 1); empty for a JSON item"
    )
    uploaded_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        ondelete="restrict",
        help="The staff member who uploaded the file on behalf of the partner (empty when the partner sent it)",
    )
    client_id = fields.Many2one("g2p.api.client", required=True, readonly=True, ondelete="restrict", index=True)
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The company of the endpoint the item came through (of the staff member's company for an uploaded "
        "file): only its staff see the item (empty: every company's, as items received before the field).",
    )
    source_system = fields.Char(readonly=True)
    verified_key_fingerprint = fields.Char(
        string="Verified with key (SHA-256)",
        readonly=True,
        help="Fingerprint of the client's public key that verified the call's signature when it was accepted (empty "
        "for a client an administrator let send unsigned); compare with the client's key fingerprint and its chatter.",
    )
    data_model_id = fields.Many2one("g2p.ingest.data.model", required=True, readonly=True, ondelete="restrict")
    target = fields.Selection(related="data_model_id.target")
    payload = fields.Text(required=True, readonly=True, help="The item as received (JSON)")
    canonical = fields.Text(readonly=True, help="The item after transformation (canonical registrant JSON)")
    payload_pretty = fields.Text(string="Received (formatted)", compute="_compute_pretty")
    canonical_pretty = fields.Text(string="Canonical (formatted)", compute="_compute_pretty")
    classification_status = fields.Selection(STEP_STATUS, default="pending", required=True, readonly=True)
    transformation_status = fields.Selection(STEP_STATUS, default="pending", required=True, readonly=True)
    ingestion_status = fields.Selection(STEP_STATUS, default="pending", required=True, readonly=True)
    state = fields.Selection(
        [("pending", "In pipeline"), ("done", "Change request created"), ("failed", "Failed")],
        compute="_compute_state",
        store=True,
        index=True,
    )
    error_code = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    error_details = fields.Text(
        readonly=True, help="The failure's problems as JSON (pydantic's errors() and the registry's unknown codes)"
    )
    failed_template_hash = fields.Char(
        readonly=True,
        help="SHA-256 of the transformation template the item failed with (a retry helps once it changed)",
    )
    error_report = fields.Html(string="Problems", compute="_compute_error_report", sanitize=False)
    can_retry = fields.Boolean(
        compute="_compute_error_report",
        help="Failed, and retrying may give another result: not a wrong item whose data model is unchanged since.",
    )
    change_request_id = fields.Many2one("g2p.change.request", readonly=True, ondelete="set null")
    duplicate_candidate_ids = fields.Many2many(
        "res.partner",
        "g2p_ingest_raw_duplicate_rel",
        "raw_id",
        "partner_id",
        string="Suspected duplicates",
        readonly=True,
        help="Registrants this item may duplicate (reject policy); partners see the uuids they may read.",
    )

    _sql_constraints = [
        (
            "message_item_unique",
            "unique(client_id, message_id, item_index)",
            "This message was already received from this partner.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self._check_server_only()
        return super().create(vals_list)

    def write(self, vals):
        self._check_server_only()
        return super().write(vals)

    def _check_server_only(self):
        # what a partner sent, and how far it went, is evidence: only the registry's own code writes it
        if not self.env.su:
            raise AccessError(_("Ingested items are written by the registry only."))

    @api.depends("data_model_id.mnemonic", "item_index", "client_id.name", "create_date")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = _(
                "%(model)s item %(number)s from %(client)s, %(date)s",
                model=rec.data_model_id.sudo().mnemonic,
                number=rec.item_index + 1,
                client=rec.client_id.sudo().name,
                date=format_datetime(self.env, rec.create_date) if rec.create_date else "",
            )

    @api.depends("payload", "canonical")
    def _compute_pretty(self):
        for rec in self:
            rec.payload_pretty = pretty_json(rec.payload)
            rec.canonical_pretty = pretty_json(rec.canonical)

    @api.depends("error_code", "error_message", "error_details", "state", "data_model_id.transformation_template")
    def _compute_error_report(self):
        report = ErrorReport(self.env)
        for rec in self:
            problems = report.ingest_problems(rec.error_code, rec.error_message, rec.error_details)
            rec.error_report = report.html(problems)
            rec.can_retry = rec._retry_may_change()

    def _retry_may_change(self):
        """A failed item may turn out otherwise when retried: not when it is not a JSON object, nor when its
        transformation failed and has not changed since (the item cannot change); a code the register did not
        know may have been added, and ingestion depends on the register."""
        self.ensure_one()
        if self.state != "failed" or self.error_code == "CLASSIFICATION_FAILED":
            return False
        if self.error_code == "TRANSFORMATION_FAILED" and not only_unknown_codes(self.error_details):
            return self.failed_template_hash != template_hash(self.sudo().data_model_id)
        return True

    @api.depends("classification_status", "transformation_status", "ingestion_status")
    def _compute_state(self):
        for rec in self:
            statuses = (rec.classification_status, rec.transformation_status, rec.ingestion_status)
            rec.state = "failed" if "failed" in statuses else "done" if rec.ingestion_status == "done" else "pending"

    @api.model
    def _receive(
        self,
        client,
        data_model,
        message_id,
        items,
        source_system=None,
        skip_classification=False,
        verified_key_fingerprint=None,
        from_file=False,
        uploaded_by=None,
    ):
        """Store the items of one accepted call, each as sent, under a new correlation id, and queue
        their pipeline: what /partner/ingest_data does once every check passed. Returns the rows.
        ``items`` may be any iterable (a file's rows are read as they are stored, a batch at a time);
        ``from_file``: each item is a file's ``(row number, {column: text})``. ``verified_key_fingerprint``: of the
        public key the call's signature was verified with; ``uploaded_by``: the staff member who uploaded
        the file on the partner's behalf."""
        correlation_id = str(uuid.uuid4())
        common = {
            "correlation_id": correlation_id,
            "message_id": message_id,
            "client_id": client.id,
            # the call's company: the middleware gives an ingest call its endpoint's (the web client, an upload
            # its staff member's current one); never a value of what was sent
            "company_id": self.env.company.id,
            "source_system": source_system or client.default_source_system,
            "verified_key_fingerprint": verified_key_fingerprint,
            "uploaded_by_id": uploaded_by.id if uploaded_by else False,
            "data_model_id": data_model.id,
            "classification_status": "skipped" if skip_classification else "pending",
            # given rather than defaulted/computed: for 1,000-item calls the ORM's defaults and the
            # stored compute of state cost about a third of the acceptance time
            "transformation_status": "pending",
            "ingestion_status": "pending",
            "state": "pending",
        }
        pairs = ((values, row) for row, values in items) if from_file else ((item, 0) for item in items)
        numbered = enumerate(pairs)
        rows = self.browse()
        while batch := list(islice(numbered, self.RECEIVE_BATCH)):
            created = self.create(
                [
                    dict(
                        common,
                        ingest_id=str(uuid.uuid4()),
                        item_index=index,
                        file_row=file_row or False,
                        payload=json.dumps(item, ensure_ascii=False),
                    )
                    for index, (item, file_row) in batch
                ]
            )
            # queued in the same transaction as the raw rows, so an accepted item is never dropped
            created._enqueue("transformation" if skip_classification else "classification")
            rows |= created
            if len(batch) == self.RECEIVE_BATCH:
                # what is stored leaves the cache: a large file never sits in memory as records either
                self.env.flush_all()
                self.env.invalidate_all()
        return rows

    # --- pipeline -----------------------------------------------------------------------
    # Items travel in chunks: one job runs one step for up to CHUNK_SIZE items, each in its own
    # savepoint. queue_job costs ~1.5 ms per job created, so per-item jobs (3 per item) made job
    # bookkeeping the bottleneck of large batches.
    CHUNK_SIZE = 100
    # items stored by one create: a multiple of CHUNK_SIZE, so that the jobs are full chunks
    RECEIVE_BATCH = 1000

    def _enqueue(self, step):
        """Queue ``step`` for these items in chunks. Each step is a method of its own with its own
        queue.job.function (data/queue_job_data.xml): its channel and retry pattern are configured
        there, not in code."""
        for start in range(0, len(self), self.CHUNK_SIZE):
            chunk = self[start : start + self.CHUNK_SIZE]
            delayed = chunk.with_delay(
                identity_key=f"g2p_ingest:{step}:{chunk[0].ingest_id}:{len(chunk)}",
                description=f"Ingest {step} of {len(chunk)} item(s) from {chunk[0].ingest_id}",
            )
            getattr(delayed, f"_run_{step}")()

    def _run_classification(self):
        return self._run_step("classification")

    def _run_transformation(self):
        return self._run_step("transformation")

    def _run_ingestion(self):
        return self._run_step("ingestion")

    def _run_step(self, step):
        """Run ``step`` for each item; a permanent error marks that row failed (retryable from the UI),
        a transient one moves that item to a job of its own, retried with back-off."""
        if not self.env.su:  # jobs run as the user who queued them: the pipeline itself is system code
            return self.sudo()._run_step(step)
        if step == "ingestion" and len(self) > 1:
            batch = self._run_ingestion_batch()
            if batch is not None:
                return f"ingestion: {len(batch)}/{len(self)} item(s) done in one batch"
        advanced = self.browse()
        for rec in self:
            try:
                if rec._run_item_step(step):
                    advanced |= rec
            except RetryableJobError:
                if len(self) == 1:
                    raise
                rec._enqueue(step)
        if advanced and step != "ingestion":
            advanced._enqueue(NEXT_STEP[step])
        return f"{step}: {len(advanced)}/{len(self)} item(s) done"

    def _run_item_step(self, step):
        """True when the item passed ``step`` (or had passed it already)."""
        self.ensure_one()
        status_field = f"{step}_status"
        if self[status_field] in ("done", "skipped"):
            return False
        run = getattr(self, f"_step_{step}")
        if step == "ingestion":
            if self.ingestion_status == "failed" and self.error_code == DUPLICATE_SUSPECTED:
                return False
            matches, unlike_anyone = {}, set()
            if self._reject_suspected_duplicates(matches, unlike_anyone):
                return False
            # the proposal reuses what the duplicate check just found (nothing was written in between)
            run = partial(run, matches.get(self.id), self.id in unlike_anyone)
        # classification and transformation write nothing before they can fail: only ingestion
        # needs a savepoint (one costs a flush and the pre-commit hooks in Odoo 18)
        try:
            with self.env.cr.savepoint() if step == "ingestion" else nullcontext():
                run()
        except PermanentIngestError as exc:
            self.write(
                {
                    status_field: "failed",
                    "error_code": exc.code,
                    "error_message": str(exc),
                    "error_details": exc.details,
                    "failed_template_hash": template_hash(self.data_model_id),
                }
            )
            self._tell_sender_failed()
            return False
        self.write({status_field: "done", **CLEARED_ERROR})
        return True

    def _run_ingestion_batch(self):
        """The ingestion step of a whole chunk at once: change requests created together and, when the
        data model auto-approves, new individuals applied together. All or nothing: on any error the
        savepoint is rolled back and the caller goes item by item, which records each item's own outcome.
        Returns the items done, or None when the batch did not go through."""
        matches = {}  # {raw id: its match}: the chunk matched against the register once, for both steps
        unlike_anyone = set()  # ADDs the duplicate check found like nobody: their proposals are not searched again
        self._reject_suspected_duplicates(matches, unlike_anyone)
        todo = self.filtered(lambda r: r.ingestion_status == "pending" and r.transformation_status == "done")
        if not todo:
            return todo
        ChangeRequest = self.env["g2p.change.request"].with_context(mail_create_nolog=True)
        try:
            with self.env.cr.savepoint():
                for raw in todo:
                    raw._check_members_still_readable(json.loads(raw.canonical))
                requests = ChangeRequest._propose_batch(todo, matches, unlike_anyone)
                for raw, request in zip(todo, requests, strict=True):
                    raw.change_request_id = request
                requests._auto_approve()
                todo.write({"ingestion_status": "done", **CLEARED_ERROR})
        except Exception:  # noqa: BLE001 - any failure: the item-by-item path decides per item
            _logger.info("Ingestion of %s items as one batch failed; going item by item", len(todo), exc_info=True)
            return None
        return todo

    def _reject_suspected_duplicates(self, matches=None, unlike_anyone=None):
        """Fail the items of `reject` data models that would ADD a possible duplicate; returns them. ``matches``:
        a dict the items' matches ({raw id: ``_match``}) are added to, for the proposals of the same chunk;
        ``unlike_anyone``: a set the ids of the ADDs whose search found no possible duplicate are added to (their
        proposals are not searched again)."""
        todo = self.filtered(
            lambda r: (
                r.data_model_id.duplicate_policy == "reject"
                and r.ingestion_status == "pending"
                and r.transformation_status in ("done", "skipped")
                and r.canonical
            )
        )
        ChangeRequest = self.env["g2p.change.request"]
        if not todo or not ChangeRequest._duplicate_check_enabled():
            return self.browse()
        canonicals = [json.loads(raw.canonical) for raw in todo]
        matched = ChangeRequest._matches_of_raws(todo, canonicals)
        if matches is not None:
            matches.update(matched)
        adds = [
            (raw, canonical) for raw, canonical in zip(todo, canonicals, strict=True) if matched[raw.id][0] == "add"
        ]
        if not adds:
            return self.browse()
        settings = duplicate_finder.Settings.from_env(self.env)
        duplicate_finder.prepare(self.env, settings)
        # the people of the whole batch searched together (duplicate_finder.find_many)
        candidates = ChangeRequest._duplicate_candidates_of_adds(
            [(canonical, raw.target) for raw, canonical in adds], settings
        )
        readable = self._candidates_senders_read(adds, candidates)
        rejected = self.browse()
        for (raw, _canonical), found in zip(adds, candidates, strict=True):
            if not found:
                if unlike_anyone is not None:
                    unlike_anyone.add(raw.id)
                continue
            if not any(possible.candidate.partner_id in readable[raw.client_id] for possible in found):
                # like no registrant the sender may read: refusing it would tell that someone similar it may not
                # read is registered; it goes on, flagged for staff, as under the policy "flag"
                continue
            raw.write(
                {
                    "ingestion_status": "failed",
                    "error_code": DUPLICATE_SUSPECTED,
                    # no count: the sender reads this message, and may not read the candidates (issue #25)
                    "error_message": self.env._(
                        "This item may add someone already registered: resolve it upstream, or send the "
                        "registrant's identifier so the item updates them."
                    ),
                    "duplicate_candidate_ids": [(6, 0, [possible.candidate.partner_id for possible in found])],
                }
            )
            raw._tell_sender_failed()
            rejected |= raw
        return rejected

    @api.model
    def _candidates_senders_read(self, adds, candidates):
        """{client: ids of the possible duplicates of its items it may read} (``_candidates_client_reads``): one
        statement per sender."""
        readable = {}
        for client in {raw.client_id for raw, _canonical in adds}:
            ids = {
                possible.candidate.partner_id
                for (raw, _canonical), found in zip(adds, candidates, strict=True)
                if raw.client_id == client
                for possible in found
            }
            partners = self.env["res.partner"].sudo().browse(ids)
            readable[client] = set(self.env["g2p.change.request"]._candidates_client_reads(client, partners).ids)
        return readable

    def _item(self):
        return json.loads(self.payload)

    def _step_classification(self):
        """Confirm the item belongs to its data model's register before anything else reads it."""
        self._classify(self._item())

    def _step_transformation(self):
        canonical = self._to_canonical(self.data_model_id, self._item(), self.file_row)
        self._check_member_references(self.client_id, canonical)
        self._check_consent(self.client_id, canonical)
        self.canonical = json.dumps(canonical, sort_keys=True)

    @api.model
    def _check_consent(self, client, canonical, as_of=None):
        """The registrant's consent an item carries, refused (the item fails, nothing is proposed) unless ``client``
        is a registering agent and the consent one it may record (g2p_api_consent)."""
        try:
            client._check_registration_consent(canonical.get("consent"), as_of)
        except (ApiError, RegistryError) as exc:
            raise PermanentIngestError(CONSENT_REFUSED, exc.message) from exc

    @api.model
    def _check_member_references(self, client, canonical):
        """Members named by uuid must be individuals ``client`` may read as a household's members (group:read among
        its scopes, and consent or a legal basis); any other is refused as an unknown uuid is, so that the answer
        tells nothing of who is registered."""
        scopes = set(client.sudo().scope_ids.mapped("code"))
        Partner = self.env["res.partner"]
        for index, member in enumerate(canonical.get("members") or []):
            if "individual" not in member:
                continue
            found = Partner.search(
                [("uuid", "=", member["individual"]), ("is_registrant", "=", True), ("is_group", "=", False)], limit=1
            )
            if not readable_uuids(client, scopes, found, "group:read"):
                raise PermanentIngestError(
                    "TRANSFORMATION_FAILED",
                    f"members[{index}].individual: unknown individual {member['individual']}.",
                    json.dumps(
                        [
                            {
                                "type": "unknown_registrant",
                                "loc": ["members", index, "individual"],
                                "msg": "unknown individual",
                                "input": member["individual"],
                            }
                        ]
                    ),
                )

    # The pure steps (no write): the pipeline above and the dry run below share them.
    @api.model
    def _classify(self, item):
        if not isinstance(item, dict):
            raise PermanentIngestError("CLASSIFICATION_FAILED", "An item must be a JSON object.")

    @api.model
    def _to_canonical(self, data_model, item, file_row=None):
        """The canonical registrant (dict) the data model makes of ``item``: a JSON item through its
        transformation template, a file's row (``file_row``: its number) through its column map, each
        error then naming the row and the column."""
        if file_row:
            column_map = data_model._column_map()
            refused = column_map.refused_cells(item)
            if refused:
                raise PermanentIngestError(
                    "TRANSFORMATION_FAILED",
                    "; ".join(f"row {file_row}, column {column!r}: {what}" for column, what in refused),
                )
            canonical, sources = column_map.canonical(item)

            def where(loc):
                column = column_map.column_of(loc, sources)
                return f"row {file_row}, column {column!r}" if column else f"row {file_row}, {field_path(loc)}"

        else:
            try:
                canonical = templates.render_json(data_model.transformation_template, item=item)
            except templates.TemplateRenderError as exc:
                raise PermanentIngestError("TRANSFORMATION_FAILED", str(exc)) from exc
            where = field_path
        schema = CanonicalGroup if data_model.target == "group" else CanonicalRegistrant
        try:
            canonical = schema.model_validate(canonical).model_dump(mode="json", exclude_none=True)
        except PydanticValidationError as exc:
            # each problem where the partner sent it (members[0].given_name; a file's row and column), then
            # pydantic's own text
            problems = "; ".join(f"{where(plain_loc(e['loc']))}: {e['msg']}" for e in exc.errors())
            raise PermanentIngestError(
                "TRANSFORMATION_FAILED", f"Canonical registrant invalid: {problems}.\n{exc}", validation_details(exc)
            ) from exc
        self._check_references(data_model.target, canonical, where)
        self._check_members_once(canonical, where)
        return canonical

    @api.model
    def _check_members_once(self, canonical, where=field_path):
        """Refuse, naming the later member (``where(loc)``), a household whose members name one person twice: the
        same uuid, or two members holding the same identifier. They would be one membership, with the roles and
        start date of the last, and one person written with the values of each in turn."""
        first_of = {}  # uuid or (system, value) -> index of the first member naming it
        for index, member in enumerate(canonical.get("members") or []):
            if "individual" in member:
                named = [(("members", index, "individual"), member["individual"], member["individual"])]
            else:
                named = [
                    (("members", index, "identifiers", position), (i["system"], i["value"]), i["value"])
                    for position, i in enumerate(member.get("identifiers", []))
                ]
            for loc, key, value in named:
                first = first_of.setdefault(key, index)
                if first != index:
                    raise self._member_given_twice(where(loc), loc, value, first)

    @api.model
    def _member_given_twice(self, label, loc, value, first):
        message = f"the same person as members[{first}]: give each member once, with all its kinds"
        return PermanentIngestError(
            "TRANSFORMATION_FAILED",
            f"Canonical registrant invalid: {label}: {message}.",
            json.dumps(
                [
                    {
                        "type": MEMBER_GIVEN_TWICE,
                        "loc": list(loc),
                        "msg": message,
                        "input": value,
                        "ctx": {"first": first},
                    }
                ]
            ),
        )

    @api.model
    def _check_references(self, target, canonical, where=field_path):
        """Refuse, naming the field (``where(loc)``), a value the register has no record for (an unknown gender,
        kind, ID type or country would otherwise fail at approval, or be dropped by a template)."""
        problems = ChangeRequestReview(self.env).reference_problems(target, canonical)
        if problems:
            raise PermanentIngestError(
                "TRANSFORMATION_FAILED",
                "Canonical registrant invalid: "
                + "; ".join(
                    f"{where(loc)}: {value!r} is not {REFERENCE_EXPECTED.get(kind) or f'a code of {kind}'}"
                    for loc, value, kind in problems
                ),
                reference_details(problems),
            )

    @api.model
    def _dry_run(self, client, data_model, items, classify=True, from_file=False):
        """What the pipeline would make of each item, computed in memory and told as ``client`` may be told
        it (see _disclosed_operation): nothing is written. ``from_file``: as for _receive."""
        ChangeRequest = self.env["g2p.change.request"]
        answers = []
        numbered = ((values, row) for row, values in items) if from_file else ((item, None) for item in items)
        for index, (item, file_row) in enumerate(numbered):
            answer = {"item_index": index, "row": file_row} if file_row else {"item_index": index}
            try:
                if classify:
                    self._classify(item)
                canonical = self._to_canonical(data_model, item, file_row)
                self._check_member_references(client, canonical)
                self._check_consent(client, canonical)
            except PermanentIngestError as exc:
                answers.append(dict(answer, error_code=exc.code, error_message=str(exc)))
                continue
            operation, existing = ChangeRequest._match(data_model, canonical, self.env.company)
            shown, registrant = self._disclosed_operation(client, operation, existing, data_model.target == "group")
            answers.append(dict(answer, operation=shown, registrant=registrant, canonical=canonical))
        return answers

    @api.model
    def _disclosed_operation(self, client, operation, registrant, is_group, readable=None):
        """(ADD, UPDATE or ADD_OR_UPDATE, registrant uuid or None): an item's operation as ``client`` may be told it.

        An UPDATE names its registrant when the client may read it as a REST read would (the read scope of the
        target among its scopes, the REST app's record rules, and consent or a legal basis: ``readable_uuids``).
        An UPDATE of a registrant it may not read is ADD_OR_UPDATE, without uuid. An ADD is told as ADD only to a
        client that reads under a legal basis, ADD_OR_UPDATE to any other, so that no answer tells a client without
        a legal basis whether a person it may not read is in the register. A registrant the REST app's rules hide
        (another registry's company) is told as one without consent: to a legal-basis client, ADD_OR_UPDATE rather
        than ADD tells that the identifier is held in the register, as the 409 of a REST create sharing it does,
        never by whom. ``readable``: {read scope: uuids ``readable_uuids`` gave for the client's scopes}, when
        the caller read them for many items at once."""
        scope = "group:read" if is_group else "individual:read"
        scopes = set(client.sudo().scope_ids.mapped("code"))
        if operation == "update":
            if readable is None:
                shown = readable_uuids(client, scopes, registrant, scope)
            else:
                shown = [registrant.uuid] if registrant.uuid in readable[scope] else []
            return ("UPDATE", shown[0]) if shown else (ADD_OR_UPDATE, None)
        if scope in scopes and not client._readable_registrant_domain(scope):
            return operation.upper(), None
        return ADD_OR_UPDATE, None

    def _check_members_still_readable(self, canonical):
        """The members named by uuid checked again as the item is proposed: the person's consent may have been
        withdrawn since the transformation (the ingestion job runs later, or is retried hours later), and the
        sender is then refused exactly as if it had named an unknown uuid."""
        self._check_member_references(self.client_id, canonical)

    def _step_ingestion(self, match=None, unlike_anyone=False):
        """``match``, ``unlike_anyone``: what the duplicate check of this item found (``_run_item_step``)."""
        canonical = json.loads(self.canonical)
        self._check_members_still_readable(canonical)
        ChangeRequest = self.env["g2p.change.request"].with_context(mail_create_nolog=True)
        try:
            request = ChangeRequest._propose(self, canonical, match, unlike_anyone)
        except UserError as exc:
            raise PermanentIngestError("INGESTION_FAILED", exc.args[0]) from exc
        except ValueError as exc:
            # a value the database cannot take (psycopg2 refuses a NUL before sending it): it fails at every attempt
            raise PermanentIngestError("INGESTION_FAILED", str(exc)) from exc
        except Exception as exc:
            # database hiccups and the like: let queue_job retry with back-off
            if isinstance(exc, (PermanentIngestError, RetryableJobError)):
                raise
            raise RetryableJobError(f"ingestion of {self.ingest_id} failed, will retry: {exc}", seconds=30) from exc
        self.change_request_id = request
        request._auto_approve()

    def _tell_sender_failed(self):
        """``change_request.failed`` (without reference) for the client that sent this item, which went no further."""
        self.ensure_one()
        self.env["g2p.api.subscription"].sudo()._emit("change_request.failed", self)

    def action_retry(self):
        """Start a failed item again from the step that failed, on what the partner sent (nobody can edit it)."""
        self.check_access("write")
        failed = self.sudo().filtered(lambda r: r.state == "failed")
        unchanged = failed.filtered(lambda r: not r._retry_may_change())
        if unchanged:
            raise UserError(
                _(
                    "Retrying would fail again, nothing it depends on has changed: %(items)s. Ask the partner to "
                    "correct and resend the item (or an API Manager to correct the data model's transformation).",
                    items=", ".join(unchanged.mapped("display_name")),
                )
            )
        for rec in failed:
            step = next(s for s in ("classification", "transformation", "ingestion") if rec[f"{s}_status"] == "failed")
            rec.write({f"{step}_status": "pending", **CLEARED_ERROR})
            rec._enqueue(step)
        return True

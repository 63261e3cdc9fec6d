import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.g2p_partner_api.dependencies import authenticated_client, enforce_rate_limit, require_scope
from odoo.addons.g2p_partner_api.schemas.parameters import UuidPath
from odoo.addons.g2p_partner_api.schemas.ping import PingResponse
from odoo.addons.g2p_partner_api.schemas.responses import RATE_LIMITED_MESSAGE, error_responses, rate_limited_response
from odoo.addons.g2p_partner_api.services import jsonpath, jwt_service, registry_service
from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..models.g2p_api_client import INGEST_SCOPE
from ..models.g2p_ingest_detection_pattern import DetectionPatternTimeout
from ..models.g2p_ingest_raw import DUPLICATE_SUSPECTED
from ..schemas.data_model import DataModelInfo, DataModelList
from ..schemas.ingest import IngestResponse, IngestStatusResponse
from ..services.ingest_envelope import IngestError, envelope, render

router = APIRouter(tags=["Ingest"])
_logger = logging.getLogger(__name__)
SIGNATURE_WINDOW_PARAM = "g2p_partner_ingest.signature_window_seconds"
DEFAULT_SIGNATURE_WINDOW = 600
DRY_RUN_DOC = (
    "Run every check (data model, paths, sender, signature within its time window and bound to the message id) "
    "and the classification and transformation of each item in memory, and answer what would happen: per item the "
    "canonical registrant, ADD or UPDATE and of whom (registrant uuid, only when the sender may read it), or the "
    "error code. A sender that may not read every registrant is told ADD_OR_UPDATE for any item that does not "
    "update a registrant it may read. Nothing is written and the message id is not used up: the real call with the "
    "same message id is accepted afterwards."
)


def _explicit_data_model(env, data_model, register_id, intake_form_id):
    """The data model the caller names, if any. The intake-form bypass names one too (and skips
    classification): it can only narrow the choice, never pair one model's checks with another's."""
    Model = env["g2p.ingest.data.model"].sudo()
    if intake_form_id and register_id:
        if data_model and data_model.upper() != intake_form_id.upper():
            raise IngestError("INVALID_REQUEST", "data_model and intake_form_id name different data models.")
        data_model = intake_form_id
    if not data_model:
        return Model
    found = Model.search([("mnemonic", "=", data_model.upper())], limit=1)
    if not found:
        raise IngestError("DATA_MODEL_NOT_FOUND", f"No data model {data_model.upper()!r}.")
    return found


def _claimed_sender(candidates, wrapped):
    """What the payload says about its sender (not yet verified), read with the candidates' key paths."""
    paths = list(dict.fromkeys(candidates.mapped("key_path_sender")))
    for path in paths:
        value = jsonpath.find_first(path, wrapped)
        if value not in (None, "", [], {}):
            return str(value)
    raise IngestError("INVALID_REQUEST", f"Missing sender (expected at {' or '.join(paths)}).")


def _detect(candidates, wrapped):
    try:
        found = next((m for m in candidates if m._matches(wrapped)), None)
    except DetectionPatternTimeout as exc:
        _logger.warning("A detection pattern of data model %s hit its time limit", exc.args[0])
        raise IngestError(
            "DATA_MODEL_NOT_FOUND",
            f"A detection pattern of {exc.args[0]} took too long on this payload; pass ?data_model=.",
        ) from exc
    if not found:
        raise IngestError("DATA_MODEL_NOT_FOUND", "No data model matches this payload; pass ?data_model=.")
    return found


def _required(path, wrapped, what):
    value = jsonpath.find_first(path, wrapped) if path else None
    if value in (None, "", [], {}):
        raise IngestError("INVALID_REQUEST", f"Missing {what} (expected at {path}).")
    return value


def _verify_signature(env, model, client, wrapped, message_id):
    signature = _required(model.key_path_signature, wrapped, "signature")
    payload = _required(model.key_path_signature_payload, wrapped, "signed payload")
    if not client.public_key:
        raise IngestError("REQUEST_VALIDATION_ERROR", "No public key is registered for this partner.")
    window = int(env["ir.config_parameter"].sudo().get_param(SIGNATURE_WINDOW_PARAM, DEFAULT_SIGNATURE_WINDOW))
    public_key = client.public_key
    try:
        jwt_service.verify_signed_object(signature, payload, public_key, message_id=message_id, max_age=window)
    except jwt_service.SignatureInvalid as exc:
        raise IngestError("REQUEST_VALIDATION_ERROR", f"Signature verification failed: {exc}") from exc
    return jwt_service.public_key_fingerprint(public_key)


# over the sender's rate limit: 429 in the ingest envelope (through the data model's response template)
RATE_LIMITED = rate_limited_response(
    IngestResponse,
    {
        "response_header": {
            "message_id": "MSG-2025-000123",
            "correlation_id": None,
            "response_status": "ERROR",
            "error_code": "RATE_LIMITED",
            "error_message": RATE_LIMITED_MESSAGE,
            "timestamp": "2025-03-01T09:30:00Z",
        },
        "response_payload": None,
    },
)


@router.get("/ping", response_model=PingResponse, summary="Liveness probe (no authentication)")
def ping() -> PingResponse:
    return PingResponse(status="ok")


@router.post(
    "/ingest_data",
    response_model=IngestResponse,
    response_model_exclude_none=False,
    responses={
        400: {"model": IngestResponse, "description": "The body is not well-formed JSON (error_code MALFORMED_JSON)"},
        422: {
            "model": IngestResponse,
            "description": "A query parameter, or the body's JSON type, is not valid (error_code INVALID_PARAMETERS)",
        },
        413: {
            "model": IngestResponse,
            "description": "The body is over g2p_partner_ingest.max_body_bytes "
            "(error_code PAYLOAD_TOO_LARGE), refused while read",
        },
        429: RATE_LIMITED,
    },
    summary="Accept a partner payload into the ingestion pipeline (signed; answers in the G2P envelope)",
)
def ingest_data(
    request: Request,
    env: Annotated[Environment, Depends(odoo_env)],
    body: Annotated[dict[str, Any], Body()],
    data_model: Annotated[str | None, Query(max_length=64)] = None,
    register_id: Annotated[
        str | None, Query(max_length=64, description="with intake_form_id: skip classification")
    ] = None,
    intake_form_id: Annotated[str | None, Query(max_length=64)] = None,
    dry_run: Annotated[bool, Query(description=DRY_RUN_DOC)] = False,
):
    if dry_run:
        call_context(request).action = "POST /ingest_data (dry run)"
        call_context(request).dry_run = True
    wrapped = {"headers": {k.lower(): v for k, v in request.headers.items()}, "body": body}
    if "\\u0000" in json.dumps(body):
        # PostgreSQL text cannot hold NUL characters: refuse rather than fail on storage
        raise IngestError("INVALID_REQUEST", "NUL characters are not allowed in payloads.")
    # 1. the data model the caller names, else the candidates detection patterns choose from
    model = _explicit_data_model(env, data_model, register_id, intake_form_id)
    bypass = bool(model and register_id and intake_form_id)
    candidates = model or env["g2p.ingest.data.model"].sudo().search([("detection_pattern_ids", "!=", False)])
    if not candidates:
        raise IngestError("DATA_MODEL_NOT_FOUND", "No data model matches this payload; pass ?data_model=.")
    # 2. the sender it claims: recorded as a claim until the signature proves it
    sender = _claimed_sender(candidates, wrapped)
    call_context(request).actor = f"unauthenticated (claimed {sender[:64]!r})"
    client = env["g2p.api.client"].sudo()._by_ingest_sender(sender)
    if not client:
        raise IngestError("PARTNER_NOT_REGISTERED", f"Partner {sender!r} is not registered.")
    # detection patterns (regular expressions, time-limited) run only once the sender is a known partner
    model = model or _detect(candidates, wrapped)
    call_context(request).data_model = model
    # 3. required paths
    message_id = str(_required(model.key_path_message_id, wrapped, "message id"))
    call_context(request).message_id = message_id
    if str(_required(model.key_path_sender, wrapped, "sender")) != sender:
        raise IngestError("INVALID_REQUEST", f"The sender at {model.key_path_sender} differs from the one claimed.")
    if model.is_list:
        items = _required(model.key_path_list_elements, wrapped, "list of items")
        if not isinstance(items, list):
            raise IngestError("INVALID_REQUEST", f"{model.key_path_list_elements} must be a list.")
        if len(items) > model.max_items:
            raise IngestError("INVALID_REQUEST", f"At most {model.max_items} items per call.")
    else:
        item = (
            jsonpath.find_first(model.key_path_signature_payload, wrapped) if model.key_path_signature_payload else body
        )
        items = [item if item is not None else body]
    # 4. signature over the exact signed object, bound to the message id and its time: required
    # unless an administrator switched it off for this client (never the caller's choice)
    fingerprint = None if client.ingest_allow_unsigned else _verify_signature(env, model, client, wrapped, message_id)
    call_context(request).actor = sender
    call_context(request).client_id = client.id
    # counted once the sender is proven, so nobody can spend a partner's calls by claiming to be it
    enforce_rate_limit(env, client.id, client._effective_rate_limit(), call_context(request))
    # told only to the proven sender: others learn nothing more than PARTNER_NOT_REGISTERED already says
    if INGEST_SCOPE not in client._scope_codes():
        raise IngestError("INSUFFICIENT_SCOPE", f"This partner may not ingest: it lacks the scope {INGEST_SCOPE}.")
    Raw = env["g2p.ingest.raw"].sudo()
    # idempotency: the same sender and message id get the original correlation id, nothing new
    previous = Raw.search([("client_id", "=", client.id), ("message_id", "=", message_id)], order="item_index")
    if previous:
        correlation_id = previous[0].correlation_id
        call_context(request).correlation_id = correlation_id
        payload = {"correlation_id": correlation_id, "ingest_ids": previous.mapped("ingest_id"), "duplicate": True}
        if dry_run:
            return envelope(message_id, None, dict(payload, dry_run=True, data_model=model.mnemonic, items=[]))
        return render(model, envelope(message_id, correlation_id, payload))
    if bypass and model.target != ("group" if register_id.lower() in ("group", "household") else "individual"):
        raise IngestError("INVALID_REQUEST", f"register_id {register_id!r} does not match {model.mnemonic}.")
    if dry_run:
        # the plain envelope, never the data model's legacy acknowledgement template: this answer is for developers
        return envelope(
            message_id,
            None,
            {
                "dry_run": True,
                "data_model": model.mnemonic,
                "duplicate": False,
                "item_count": len(items),
                "items": Raw._dry_run(client, model, items, not bypass),
            },
        )
    rows = Raw._receive(client, model, message_id, items, request.headers.get("x-source-system"), bypass, fingerprint)
    correlation_id = rows[0].correlation_id
    call_context(request).correlation_id = correlation_id
    return render(
        model,
        envelope(
            message_id,
            correlation_id,
            {"correlation_id": correlation_id, "ingest_ids": rows.mapped("ingest_id"), "item_count": len(rows)},
        ),
    )


@router.get(
    "/ingest_status/{correlation_id}",
    response_model=IngestStatusResponse,
    # a REST-like read: every error of it, 429 included, is a problem details object
    responses=error_responses(401, 404, 422, 429),
    name="get_ingest_status",
    summary="Status of every item of one ingest call (Bearer token of the sending client); errors are problem details",
)
def ingest_status(
    correlation_id: UuidPath,
    request: Request,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(authenticated_client)],
) -> IngestStatusResponse:
    rows = (
        env["g2p.ingest.raw"]
        .sudo()
        .search([("correlation_id", "=", correlation_id), ("client_id", "=", client.id)], order="item_index")
    )
    if not rows:
        raise ApiError(404, "not_found", f"No ingest call {correlation_id} from this client.")
    return IngestStatusResponse(
        correlation_id=correlation_id,
        items=[
            {
                "ingest_id": r.ingest_id,
                "item_index": r.item_index,
                "state": r.state,
                "classification_status": r.classification_status,
                "transformation_status": r.transformation_status,
                "ingestion_status": r.ingestion_status,
                "error_code": r.error_code or None,
                "error_message": r.error_message or None,
                "change_request": r.change_request_id.name or None,
                "change_request_state": r.change_request_id.state or None,
                "operation": _operation(r, client),
                "registrant": _registrant(r, client, call_context(request).scopes),
                "reason": r.error_message
                or (r.change_request_id._reason_for_partner() if r.change_request_id else None),
                **_duplicates(r, client, call_context(request).scopes),
            }
            for r in rows
        ],
    )


@router.get(
    "/data-models",
    response_model=DataModelList,
    # a REST-like read, as ingest_status: its errors are problem details
    responses=error_responses(401, 403, 429),
    summary="The data models this client may send, each with the JSON Schema of its items and an example "
    "(Bearer token of a client with the scope ingest:write)",
)
def list_data_models(
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope(INGEST_SCOPE))],
) -> DataModelList:
    models = env["g2p.ingest.data.model"].sudo().search([])
    return DataModelList(data_models=[DataModelInfo.from_record(model) for model in models])


def _operation(raw, client):
    request = raw.change_request_id
    if not request:
        return None
    return raw._disclosed_operation(client, request.operation, request.registrant_id, request.target == "group")[0]


def _registrant(raw, client, scopes):
    """The uuid of the registrant the item's change request created or updated, to a client that may read it."""
    registrant = raw.change_request_id.registrant_id
    scope = "group:read" if raw.change_request_id.target == "group" else "individual:read"
    return next(iter(registry_service.readable_uuids(client, scopes, registrant, scope)), None)


def _duplicates(raw, client, scopes):
    """The item's possible duplicates, named only to a client that may read them. A flagged change request
    whose candidates the client may read none of is answered as not flagged (staff still see the flag): as
    for REST, a possible duplicate nobody readable matches tells nothing. A refused item (policy reject)
    says so: it did not go through."""
    if raw.error_code == DUPLICATE_SUSPECTED:
        candidates = raw.duplicate_candidate_ids
    elif raw.change_request_id.possible_duplicate:
        candidates = raw.change_request_id.duplicate_ids.filtered(lambda d: not d.resolution).partner_id
    else:
        return {"possible_duplicate": False, "duplicate_candidates": []}
    uuids = registry_service.readable_uuids(client, scopes, candidates, "individual:read")
    refused = raw.error_code == DUPLICATE_SUSPECTED
    return {"possible_duplicate": bool(refused or uuids), "duplicate_candidates": uuids}

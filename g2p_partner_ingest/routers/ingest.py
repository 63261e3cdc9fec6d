import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile

from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import authenticated_client, odoo_env, require_scope
from odoo.addons.g2p_partner_api.schemas.parameters import UuidPath
from odoo.addons.g2p_partner_api.schemas.ping import PingResponse
from odoo.addons.g2p_partner_api.schemas.responses import RATE_LIMITED_MESSAGE, error_responses, rate_limited_response
from odoo.addons.g2p_partner_api.services import registry_service
from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..models.g2p_api_client import INGEST_SCOPE
from ..models.g2p_ingest_raw import DUPLICATE_SUSPECTED
from ..schemas.data_model import DataModelInfo, DataModelList
from ..schemas.ingest import IngestResponse, IngestStatusResponse
from ..schemas.ingest_file import MANIFEST_EXAMPLE
from ..services.ingest_acceptance import IngestAcceptance

router = APIRouter(tags=["Ingest"])
DRY_RUN_DOC = (
    "Run every check (data model, paths, sender, signature within its time window and bound to the message id) "
    "and the classification and transformation of each item in memory, and answer what would happen: per item the "
    "canonical registrant, ADD or UPDATE and of whom (registrant uuid, only when the sender may read it), or the "
    "error code. A sender that may not read every registrant is told ADD_OR_UPDATE for any item that does not "
    "update a registrant it may read. Nothing is written and the message id is not used up: the real call with the "
    "same message id is accepted afterwards."
)


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
    headers = {k.lower(): v for k, v in request.headers.items()}
    return IngestAcceptance(env, call_context(request)).accept_payload(
        headers, body, data_model, register_id, intake_form_id, dry_run
    )


@router.post(
    "/ingest_file",
    response_model=IngestResponse,
    response_model_exclude_none=False,
    responses={
        422: {
            "model": IngestResponse,
            "description": "The file or the manifest field is missing, or a query parameter is not valid "
            "(error_code INVALID_PARAMETERS)",
        },
        413: {
            "model": IngestResponse,
            "description": "The body is over g2p_partner_ingest.max_body_bytes (error_code PAYLOAD_TOO_LARGE), "
            "refused while read",
        },
        429: RATE_LIMITED,
    },
    summary="Accept a CSV or XLSX file, one item per row, with a signed manifest (answers in the G2P envelope)",
    description="multipart/form-data: `file` (CSV in UTF-8 or the Windows code page `message.encoding` declares, "
    "any of `, ; tab |` as delimiter, or XLSX: its first sheet, a cell read only as the text or date it shows; the "
    "header is row 1) and `manifest`, JSON: `header` (message_id, sender_id), `message` (data_model, sha256 of the "
    "file, file_name, encoding) and `signature`, the partner's JWS of `message` bound to the "
    "message id as for /ingest_data. Each row becomes an item of the data model through its column map and goes "
    "through the same pipeline; `GET /ingest_status/{correlation_id}` tells each row's status (`row`), and a row's "
    "error names its row and column. The same message id again is answered with the original correlation id.",
)
def ingest_file(
    request: Request,
    env: Annotated[Environment, Depends(odoo_env)],
    file: Annotated[UploadFile, File(description="The CSV or XLSX file")],
    manifest: Annotated[
        str,
        Form(
            max_length=8192,
            description="JSON: header (message_id, sender_id), message (data_model, sha256, file_name), signature",
            examples=[json.dumps(MANIFEST_EXAMPLE)],
        ),
    ],
    dry_run: Annotated[bool, Query(description=DRY_RUN_DOC)] = False,
):
    if dry_run:
        call_context(request).action = "POST /ingest_file (dry run)"
        call_context(request).dry_run = True
    headers = {k.lower(): v for k, v in request.headers.items()}
    return IngestAcceptance(env, call_context(request)).accept_file(headers, file.file, manifest, dry_run)


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
    scopes = call_context(request).scopes
    readable = _readable(rows, client)
    return IngestStatusResponse(
        correlation_id=correlation_id,
        items=[
            {
                "ingest_id": r.ingest_id,
                "item_index": r.item_index,
                "row": r.file_row or None,
                "state": r.state,
                "classification_status": r.classification_status,
                "transformation_status": r.transformation_status,
                "ingestion_status": r.ingestion_status,
                "error_code": r.error_code or None,
                "error_message": r.error_message or None,
                "change_request": r.change_request_id.name or None,
                "change_request_state": r.change_request_id.state or None,
                "operation": _operation(r, client, readable),
                "registrant": _registrant(r, scopes, readable),
                "reason": r.error_message
                or (r.change_request_id._reason_for_partner() if r.change_request_id else None),
                **_duplicates(r, scopes, readable),
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


def _readable(rows, client):
    """{read scope: uuids of the registrants the answer about ``rows`` may name with it}, as ``readable_uuids``
    decides each with the client's scopes (the REST app's record rules, consent): one statement per scope for the
    whole call, not one per item. An answer naming one checks the scope among its token's too."""
    requests = rows.change_request_id
    households = requests.filtered(lambda r: r.target == "group")
    individuals = (
        (requests - households).registrant_id | rows.duplicate_candidate_ids | requests.duplicate_ids.partner_id
    )
    scopes = client._scope_codes()
    return {
        "individual:read": set(registry_service.readable_uuids(client, scopes, individuals, "individual:read")),
        "group:read": set(registry_service.readable_uuids(client, scopes, households.registrant_id, "group:read")),
    }


def _shown(registrants, scope, scopes, readable):
    """The uuids of ``registrants`` an answer to a token with ``scopes`` names (``readable``: see ``_readable``)."""
    return [r.uuid for r in registrants if scope in scopes and r.uuid in readable[scope]]


def _operation(raw, client, readable):
    request = raw.change_request_id
    if not request:
        return None
    return raw._disclosed_operation(
        client, request.operation, request.registrant_id, request.target == "group", readable
    )[0]


def _registrant(raw, scopes, readable):
    """The uuid of the registrant the item's change request created or updated, to a client that may read it."""
    scope = "group:read" if raw.change_request_id.target == "group" else "individual:read"
    return next(iter(_shown(raw.change_request_id.registrant_id, scope, scopes, readable)), None)


def _duplicates(raw, scopes, readable):
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
    uuids = _shown(candidates, "individual:read", scopes, readable)
    refused = raw.error_code == DUPLICATE_SUSPECTED
    return {"possible_duplicate": bool(refused or uuids), "duplicate_candidates": uuids}

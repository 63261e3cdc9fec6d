import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.g2p_partner_api.dependencies import require_scope
from odoo.addons.g2p_partner_api.schemas.common import RATE_LIMITED_MESSAGE, PingResponse, rate_limited_response
from odoo.addons.g2p_partner_api.services.read_routing import primary_cursor

from ..schemas.dci import HttpErrorResponse, Jwks, SearchEnvelope, SearchResponseEnvelope, TxnStatusEnvelope
from ..services import dci_checks, dci_envelope, dci_spec
from ..services.dci_search import search_items
from ..services.dci_txn_status import txn_status

router = APIRouter(tags=["DCI"])
ERRORS = {code: {"model": HttpErrorResponse} for code in (400, 401, 403, 500)}
ERRORS[403] = {
    "model": HttpErrorResponse,
    "description": "err.request.forbidden (scope); on the synchronous routes also a message that cannot be trusted: "
    "err.sender_id.invalid, err.signature.missing, err.signature.invalid",
}
# over the sender's rate limit: the spec's ERR acknowledgement, as every HTTP-level DCI error
ERRORS[429] = rate_limited_response(
    HttpErrorResponse,
    {
        "message": {
            "ack_status": "ERR",
            "timestamp": "2025-03-01T09:30:00Z",
            "correlation_id": "7f1c2e0a-5b8d-4c3e-9a61-2f0b7d4e8c15",
            "error": {"code": "err.request.too_many_requests", "message": RATE_LIMITED_MESSAGE},
        },
        "errors": [{"code": "err.request.too_many_requests", "message": RATE_LIMITED_MESSAGE}],
    },
)


def _record(env, client, body, correlation_id, status, results, items):
    # a sync search is served by a read replica when there is one: its transaction row goes to the primary
    with primary_cursor(env) as cr:
        _create_transaction(env(cr=cr), client, body, correlation_id, status, results, items)


def _create_transaction(env, client, body, correlation_id, status, results, items):
    Transaction = env["g2p.dci.transaction"].sudo()
    transaction = Transaction.create(
        dict(
            Transaction._envelope_values(client, body, correlation_id),
            status=status,
            total_count=len(results),
            completed_count=sum(r["status"] == "succ" for r in results),
        )
    )
    transaction._add_items(
        [
            {
                "reference_id": r["reference_id"] or "-",
                "status": r["status"],
                "status_reason_code": r.get("status_reason_code"),
                "status_reason_message": r.get("status_reason_message"),
                "reg_type": (item.get("search_criteria") or {}).get("reg_type") if isinstance(item, dict) else None,
                "total_count": (r.get("pagination") or {}).get("total_count", 0),
            }
            for r, item in zip(results, items, strict=True)
        ]
    )


@router.get("/ping", response_model=PingResponse, summary="Liveness probe (no authentication)")
def ping() -> PingResponse:
    return PingResponse(status="ok")


@router.get(
    "/.well-known/jwks.json",
    response_model=Jwks,
    name="get_jwks",
    summary="Public keys that verify the registry's signatures",
)
def jwks(env: Annotated[Environment, Depends(odoo_env)]) -> Jwks:
    return Jwks(**env["g2p.api.signing.key"].sudo()._jwks())


@router.post(
    "/registry/sync/search",
    response_model=SearchResponseEnvelope,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Synchronous DCI search: each search_request item answered in the same response",
)
def sync_search(
    request: Request,
    body: SearchEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("search"))],
):
    request.state.audit_actor = body.header.sender_id
    registry_id = dci_envelope.registry_id(env)
    problem = dci_checks.envelope_problem(client, body, "search", len(body.message.search_request))
    if problem:
        dci_checks.refuse_untrusted(problem)
        request.state.audit_outcome = "failure"
        request.state.audit_error_code = problem[0]
        return dci_envelope.rejected(env, body.header.model_dump(), registry_id, *problem)
    items = body.message.search_request
    rejected = dci_checks.item_rejections(client, "search", items)
    answers = iter(search_items(env, client, [item for index, item in enumerate(items) if index not in rejected]))
    results = [
        dci_envelope.item_rejected(item.get("reference_id"), *rejected[index]) if index in rejected else next(answers)
        for index, item in enumerate(items)
    ]
    succeeded = sum(1 for r in results if r["status"] == "succ")
    # The spec's header status has no "part": a partly answered batch is succ with
    # completed_count < total_count (each item carries its own succ/rjct).
    status = "succ" if succeeded else "rjct"
    correlation_id = str(uuid.uuid4())
    request.state.correlation_id = correlation_id
    request.state.reference_ids = [r["reference_id"] for r in results]
    if status == "rjct":
        request.state.audit_outcome = "failure"
        request.state.audit_error_code = results[0].get("status_reason_code")
    _record(env, client, body, correlation_id, status, results, items)
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-search", status, len(results), succeeded, registry_id
    )
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": correlation_id,
        "search_response": results,
    }
    return dci_envelope.signed(env, header, message)


@router.post(
    "/registry/sync/txn/status",
    response_model=SearchResponseEnvelope,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Status of earlier transactions of this sender (search)",
)
def sync_txn_status(
    request: Request,
    body: TxnStatusEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("txn-status"))],
):
    request.state.audit_actor = body.header.sender_id
    registry_id = dci_envelope.registry_id(env)
    problem = dci_checks.envelope_problem(client, body, "txn-status", 1)
    if problem:
        dci_checks.refuse_untrusted(problem)
        request.state.audit_outcome = "failure"
        request.state.audit_error_code = problem[0]
        return dci_envelope.rejected(env, body.header.model_dump(), registry_id, *problem, action="txn-on-status")
    correlation_id = str(uuid.uuid4())
    request.state.correlation_id = correlation_id
    status, message = txn_status(env, client, body, correlation_id)
    request.state.reference_ids = [body.message.txnstatus_request.reference_id]
    if status == "rjct":
        request.state.audit_outcome = "failure"
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "txn-on-status",
        status,
        1,
        int(status == "succ"),
        registry_id,
        reason_message=None if status == "succ" else "no transaction matches",
    )
    return dci_envelope.signed(env, header, message)

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic_core import to_json

from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.g2p_partner_api.dependencies import require_scope
from odoo.addons.g2p_partner_api.schemas.ping import PingResponse
from odoo.addons.g2p_partner_api.schemas.responses import RATE_LIMITED_MESSAGE, rate_limited_response
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..schemas.dci import HttpErrorResponse, Jwks, SearchEnvelope, SearchResponseEnvelope, TxnStatusEnvelope
from ..services import dci_checks, dci_envelope, dci_spec
from ..services.dci_search import SCOPE, search_request_answers
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


def _answered(envelope):
    """The signed envelope as the response. The registry built it: FastAPI's validation against the
    response model (a copy of every record of a batch, then its serialisation) is left out; the model
    still documents the answer."""
    return Response(to_json(envelope), media_type="application/json")


def _rejected(request, env, body, problem, action):
    """The answer to an envelope refused as a whole: HTTP 403 when it cannot be trusted, else rjct."""
    dci_checks.refuse_untrusted(problem)
    call_context(request).outcome = "failure"
    call_context(request).error_code = problem.code
    return _answered(
        dci_envelope.rejected(env, body.header.model_dump(), dci_envelope.registry_id(env), problem, action)
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
    call_context(request).actor = body.header.sender_id
    problem = dci_checks.envelope_problem(client, body, "search")
    if problem:
        return _rejected(request, env, body, problem, "on-search")
    answers, named = search_request_answers(env, client, body.message.search_request)
    call_context(request).disclose(named, SCOPE, channel="dci_search")
    correlation_id = str(uuid.uuid4())
    call_context(request).correlation_id = correlation_id
    call_context(request).reference_ids = [answer["reference_id"] for answer in answers]
    status, succeeded = dci_envelope.answers_status(answers)
    if status == "rjct":
        call_context(request).outcome = "failure"
        call_context(request).error_code = answers[0].get("status_reason_code")
    env["g2p.dci.transaction"].sudo()._record(client, body, correlation_id, answers)
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-search", status, len(answers), succeeded, dci_envelope.registry_id(env)
    )
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": correlation_id,
        "search_response": answers,
    }
    return _answered(dci_envelope.signed(env, header, message))


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
    call_context(request).actor = body.header.sender_id
    problem = dci_checks.envelope_problem(client, body, "txn-status")
    if problem:
        return _rejected(request, env, body, problem, "txn-on-status")
    correlation_id = str(uuid.uuid4())
    call_context(request).correlation_id = correlation_id
    status, message = txn_status(env, client, body, correlation_id)
    call_context(request).reference_ids = [body.message.txnstatus_request.reference_id]
    if status == "rjct":
        call_context(request).outcome = "failure"
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "txn-on-status",
        status,
        1,
        int(status == "succ"),
        dci_envelope.registry_id(env),
        reason_message=None if status == "succ" else "no transaction matches",
    )
    return _answered(dci_envelope.signed(env, header, message))

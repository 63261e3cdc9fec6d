from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic_core import to_json

from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import odoo_env, require_scope
from odoo.addons.g2p_partner_api.schemas.ping import PingResponse
from odoo.addons.g2p_partner_api.schemas.responses import RATE_LIMITED_MESSAGE, rate_limited_response
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..schemas.dci import HttpErrorResponse, Jwks, SearchEnvelope, SearchResponseEnvelope, TxnStatusEnvelope
from ..services import dci_spec, dci_sync

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
    return _answered(dci_sync.search(env, client, body, call_context(request)))


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
    return _answered(dci_sync.status_of_transactions(env, client, body, call_context(request)))

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.g2p_partner_api.dependencies import require_scope
from odoo.addons.g2p_partner_api.schemas.common import PingResponse
from odoo.addons.g2p_partner_api.services import jwt_service

from ..schemas.dci import HttpErrorResponse, Jwks, SearchEnvelope, SearchResponseEnvelope, TxnStatusEnvelope
from ..services import dci_envelope
from ..services.dci_search import search_item

router = APIRouter(tags=["DCI"])
ERRORS = {code: {"model": HttpErrorResponse} for code in (400, 401, 403, 500)}


def _registry_id(env):
    return env["ir.config_parameter"].sudo().get_param("g2p_dci_search.registry_id", "registry.g2p")


def _envelope_problem(client, body, action="search", item_count=None):
    """(reason_code, message) when the envelope itself is unacceptable, else None."""
    header = body.header
    if header.action != action:
        return "rjct.action.invalid", f"action must be {action}, not {header.action!r}"
    if dci_envelope.parse_ts(header.message_ts) is None:
        return "rjct.message_ts.invalid", "message_ts is not an ISO 8601 date-time"
    if header.is_msg_encrypted:
        return "rjct.action.not_supported", "encrypted messages are not supported"
    if client.dci_sender_id != header.sender_id:
        return None, f"err.sender_id.invalid: sender {header.sender_id!r} is not the authenticated client"
    if client.dci_verify_signature:
        if not body.signature or not client.public_key:
            return None, "err.signature.missing: the envelope must be signed with the client's registered key"
        signed = body.model_dump(mode="json", include={"header", "message"}, exclude_unset=True)
        try:
            jwt_service.verify_signed_object(body.signature, signed, client.public_key)
        except jwt_service.SignatureInvalid as exc:
            return None, f"err.signature.invalid: {exc}"
    if header.total_count != (item_count if item_count is not None else len(body.message.search_request)):
        return "rjct.total_count.invalid", "total_count must equal the number of request items"
    Transaction = client.env["g2p.dci.transaction"].sudo()
    if Transaction.search_count([("client_id", "=", client.id), ("message_id", "=", header.message_id)]):
        return "rjct.message_id.duplicate", f"message_id {header.message_id!r} was already received from this sender"
    return None


def _duplicate_references(client, items):
    """reference_ids already used by this sender, or twice in this message."""
    references = [str(item.get("reference_id")) for item in items if isinstance(item, dict) and item.get("reference_id")]
    seen, repeated = set(), set()
    for reference in references:
        (repeated if reference in seen else seen).add(reference)
    used = client.env["g2p.dci.transaction.item"].sudo().search(
        [("client_id", "=", client.id), ("reference_id", "in", references)]).mapped("reference_id")
    return repeated | set(used)


def _record(env, client, body, correlation_id, status, results, items):
    env["g2p.dci.transaction"].sudo().create({
        "client_id": client.id, "sender_id": body.header.sender_id, "message_id": body.header.message_id,
        "transaction_id": body.message.transaction_id, "correlation_id": correlation_id, "action": body.header.action,
        "status": status, "total_count": len(results), "completed_count": sum(r["status"] == "succ" for r in results),
        "item_ids": [(0, 0, {
            "reference_id": r["reference_id"] or "-", "status": r["status"], "status_reason_code": r.get("status_reason_code"),
            "reg_type": (item.get("search_criteria") or {}).get("reg_type") if isinstance(item, dict) else None,
            "total_count": (r.get("pagination") or {}).get("total_count", 0),
        }) for r, item in zip(results, items, strict=True)],
    })


@router.get("/ping", response_model=PingResponse, summary="Liveness probe (no authentication)")
def ping() -> PingResponse:
    return PingResponse(status="ok")


@router.get("/.well-known/jwks.json", response_model=Jwks, summary="Public keys that verify the registry's signatures")
def jwks(env: Annotated[Environment, Depends(odoo_env)]) -> Jwks:
    return Jwks(**env["g2p.api.signing.key"].sudo()._jwks())


@router.post("/registry/sync/search", response_model=SearchResponseEnvelope, response_model_exclude_none=True,
             responses=ERRORS,
             summary="Synchronous DCI search: each search_request item answered in the same response")
def sync_search(
    request: Request,
    body: SearchEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
):
    request.state.audit_actor = body.header.sender_id
    registry_id = _registry_id(env)
    problem = _envelope_problem(client, body)
    if problem:
        request.state.audit_outcome = "failure"
        request.state.audit_error_code = problem[0] or problem[1].split(":")[0]
        return dci_envelope.rejected(env, body.header.model_dump(), registry_id, *problem)
    items = body.message.search_request
    duplicates = _duplicate_references(client, items)
    results = [
        search_item(env, client, item) if str(item.get("reference_id")) not in duplicates
        else dci_envelope.item_rejected(item.get("reference_id"), "rjct.reference_id.duplicate",
                                        "reference_id already used by this sender")
        for item in items
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
    header = dci_envelope.response_header(body.header.model_dump(), "on-search", status, len(results), succeeded, registry_id)
    message = {"transaction_id": body.message.transaction_id, "correlation_id": correlation_id, "search_response": results}
    return dci_envelope.signed(env, header, message)


@router.post("/registry/sync/txn/status", response_model=SearchResponseEnvelope, response_model_exclude_none=True,
             responses=ERRORS, summary="Status of earlier transactions of this sender (search)")
def sync_txn_status(
    request: Request,
    body: TxnStatusEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
):
    request.state.audit_actor = body.header.sender_id
    registry_id = _registry_id(env)
    problem = _envelope_problem(client, body, action="txn-status", item_count=1)
    if problem:
        request.state.audit_outcome = "failure"
        request.state.audit_error_code = problem[0] or problem[1].split(":")[0]
        return dci_envelope.rejected(env, body.header.model_dump(), registry_id, *problem, action="txn-on-status")
    query = body.message.txnstatus_request
    request.state.reference_ids = [query.reference_id]
    domain = [("client_id", "=", client.id)]
    values = query.attribute_value if isinstance(query.attribute_value, list) else [query.attribute_value]
    if query.attribute_type == "reference_id_list":
        transactions = env["g2p.dci.transaction.item"].sudo().search(domain + [("reference_id", "in", values)]).transaction_id
    else:
        transactions = env["g2p.dci.transaction"].sudo().search(domain + [(query.attribute_type, "in", values)])
    items = transactions.item_ids
    if query.attribute_type == "reference_id_list":
        items = items.filtered(lambda i: i.reference_id in values)
    status = "succ" if transactions and query.txn_type == "search" else "rjct"
    header = dci_envelope.response_header(body.header.model_dump(), "txn-on-status", status, 1, int(status == "succ"),
                                          registry_id, reason_message=None if status == "succ" else "no search transaction matches")
    if status == "rjct":
        request.state.audit_outcome = "failure"
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": transactions[:1].correlation_id or str(uuid.uuid4()),
        "txnstatus_response": {"txn_type": query.txn_type, "txn_status": {
            "transaction_id": transactions[:1].transaction_id or body.message.transaction_id,
            "correlation_id": transactions[:1].correlation_id or "",
            "search_response": [dci_envelope.item_status(i) for i in items],
        }},
    }
    return dci_envelope.signed(env, header, message)

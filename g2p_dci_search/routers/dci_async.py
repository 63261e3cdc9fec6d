"""The asynchronous half of the SPDCI Social Registry API: ACK now, signed callback later."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.g2p_partner_api.dependencies import require_scope
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..schemas.dci import (
    Ack,
    SearchEnvelope,
    SubscribeEnvelope,
    TxnStatusEnvelope,
    UnsubscribeEnvelope,
)
from ..services import dci_callbacks, dci_checks, dci_envelope, dci_spec
from ..services.dci_txn_status import txn_status
from .dci import ERRORS

router = APIRouter(tags=["DCI asynchronous"])
ACK_DOC = (
    "ACK when the envelope passed the basic checks (the answer follows as a signed callback to header.sender_uri "
    "or the client's registered callback URL); ERR with err.sender_id / err.signature / err.sender_uri codes "
    "when it cannot be trusted or answered."
)


@dataclass
class Accepted:
    correlation_id: str
    callback_url: str
    registry_id: str


def _accept(request, env, client, body, action, item_count, callback_path, callback_action, empty_message):
    """The checks every asynchronous call passes: (ack to return now, None) or (None, Accepted)."""
    call_context(request).actor = body.header.sender_id
    correlation_id = str(uuid.uuid4())
    call_context(request).correlation_id = correlation_id
    problem = dci_checks.envelope_problem(client, body, action, item_count)
    if problem and dci_checks.is_untrusted(problem):
        code, message = problem
        return _failed(request, code, dci_envelope.ack(correlation_id, "ERR", code, message)), None
    try:
        url = dci_callbacks.callback_url(client, body.header.sender_uri, callback_path)
        client._dci_callback_channel()  # exists from the ACK on, whatever happens to the client's URL later
    except dci_callbacks.CallbackUrlInvalid as exc:
        return _failed(
            request,
            "err.sender_uri.invalid",
            dci_envelope.ack(correlation_id, "ERR", "err.sender_uri.invalid", str(exc)),
        ), None
    registry_id = dci_envelope.registry_id(env)
    if problem:
        # a header the spec rejects with an rjct code: that code travels in the callback's header
        header = dci_envelope.response_header(
            body.header.model_dump(), callback_action, "rjct", 0, 0, registry_id, *problem
        )
        message = empty_message(body, correlation_id)
        dci_callbacks.deliver(client, url, callback_action, dci_envelope.signed(env, header, message))
        return _failed(request, problem[0], dci_envelope.ack(correlation_id)), None
    return None, Accepted(correlation_id, url, registry_id)


def _failed(request, code, ack):
    call_context(request).outcome = "failure"
    call_context(request).error_code = code
    return ack


def _new_transaction(env, client, body, accepted, status, items=()):
    Transaction = env["g2p.dci.transaction"].sudo()
    transaction = Transaction.create(
        dict(
            Transaction._envelope_values(client, body, accepted.correlation_id),
            mode="async",
            status=status,
            callback_url=accepted.callback_url,
            total_count=body.header.total_count,
        )
    )
    transaction._add_items(list(items))
    return transaction


@router.post(
    "/registry/search",
    response_model=Ack,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Asynchronous DCI search: ACK now, results later to on-search",
    description=ACK_DOC,
)
def search(
    request: Request,
    body: SearchEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("search"))],
):
    items = body.message.search_request
    ack, accepted = _accept(
        request,
        env,
        client,
        body,
        "search",
        len(items),
        "/registry/on-search",
        "on-search",
        lambda b, c: {"transaction_id": b.message.transaction_id, "correlation_id": c, "search_response": []},
    )
    if ack:
        return ack
    rejected = dci_checks.item_rejections(client, "search", items)
    lines = []
    for index, item in enumerate(items):
        code, reason = rejected.get(index, (False, False))
        lines.append(
            {
                "reference_id": str(item.get("reference_id") or "-"),
                "status": "rjct" if code else "pdng",
                "status_reason_code": code,
                "status_reason_message": reason,
                "reg_type": (item.get("search_criteria") or {}).get("reg_type")
                if isinstance(item.get("search_criteria"), dict)
                else None,
            }
        )
    call_context(request).reference_ids = [line["reference_id"] for line in lines]
    transaction = _new_transaction(env, client, body, accepted, "pdng", lines)
    transaction.sudo().request_envelope = body.model_dump_json(include={"header", "message"})
    transaction._enqueue_search()
    return dci_envelope.ack(accepted.correlation_id)


@router.post(
    "/registry/subscribe",
    response_model=Ack,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Subscribe to registry events: ACK now, on-subscribe with the subscription codes, then notify",
    description=ACK_DOC,
)
def subscribe(
    request: Request,
    body: SubscribeEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:subscribe"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("subscribe"))],
):
    items = body.message.subscribe_request
    ack, accepted = _accept(
        request,
        env,
        client,
        body,
        "subscribe",
        len(items),
        "/registry/on-subscribe",
        "on-subscribe",
        lambda b, c: {"transaction_id": b.message.transaction_id, "correlation_id": c, "subscribe_response": []},
    )
    if ack:
        return ack
    transaction = _new_transaction(env, client, body, accepted, "pdng")
    rejected = dci_checks.item_rejections(client, "subscribe", items)
    Subscription = env["g2p.dci.subscription"].sudo()
    results = [
        Subscription._subscribe_item(client, item, transaction, rejected.get(index)) for index, item in enumerate(items)
    ]
    succeeded = sum(r["status"] == "succ" for r in results)
    status = "succ" if succeeded else "rjct"
    transaction.write(
        {
            "status": status,
            "completed_count": succeeded,
            "item_ids": [
                (
                    0,
                    0,
                    {
                        "reference_id": r["reference_id"] or "-",
                        "status": r["status"],
                        "status_reason_code": r.get("status_reason_code"),
                        "reg_type": (
                            (item.get("subscribe_criteria") or {}).get("reg_type") if isinstance(item, dict) else None
                        ),
                    },
                )
                for r, item in zip(results, items, strict=True)
            ],
        }
    )
    call_context(request).reference_ids = [r["reference_id"] for r in results]
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-subscribe", status, len(results), succeeded, accepted.registry_id
    )
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": accepted.correlation_id,
        "subscribe_response": results,
    }
    dci_callbacks.deliver(
        client, accepted.callback_url, "on-subscribe", dci_envelope.signed(env, header, message), transaction
    )
    return dci_envelope.ack(accepted.correlation_id)


def _unsubscribe_message(
    body, correlation_id, status="rjct", reason_code=None, reason_message=None, subscriptions=None
):
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": correlation_id,
        "timestamp": dci_envelope.now_iso(),
        "status": status,
    }
    if reason_code:
        message.update(status_reason_code=reason_code, status_reason_message=reason_message[:999])
    if subscriptions:
        message["subscription_status"] = [{"code": s.code, "status": s.state} for s in subscriptions]
    return message


@router.post(
    "/registry/unsubscribe",
    response_model=Ack,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="End subscriptions by code: ACK now, on-unsubscribe with their status",
    description=ACK_DOC,
)
def unsubscribe(
    request: Request,
    body: UnsubscribeEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:subscribe"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("unsubscribe"))],
):
    codes = body.message.subscription_codes
    ack, accepted = _accept(
        request,
        env,
        client,
        body,
        "unsubscribe",
        len(codes),
        "/registry/on-unsubscribe",
        "on-unsubscribe",
        _unsubscribe_message,
    )
    if ack:
        return ack
    status, reason_code, reason_message, subscriptions = (
        env["g2p.dci.subscription"].sudo()._unsubscribe_codes(client, codes)
    )
    if status == "rjct":
        _failed(request, reason_code, None)
    transaction = _new_transaction(env, client, body, accepted, status)
    transaction.completed_count = len(subscriptions)
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-unsubscribe", status, len(codes), len(subscriptions), accepted.registry_id
    )
    message = _unsubscribe_message(body, accepted.correlation_id, status, reason_code, reason_message, subscriptions)
    dci_callbacks.deliver(
        client, accepted.callback_url, "on-unsubscribe", dci_envelope.signed(env, header, message), transaction
    )
    return dci_envelope.ack(accepted.correlation_id)


@router.post(
    "/registry/txn/status",
    response_model=Ack,
    response_model_exclude_none=True,
    responses=ERRORS,
    summary="Status of earlier transactions: ACK now, txn/on-status later",
    name="txn_status",
    description=ACK_DOC,
)
def txn_status_async(
    request: Request,
    body: TxnStatusEnvelope,
    env: Annotated[Environment, Depends(odoo_env)],
    client: Annotated[object, Depends(require_scope("dci:search"))],
    _spec: Annotated[object, Depends(dci_spec.checked_against_spec("txn-status"))],
):
    def empty(b, correlation_id):
        query = b.message.txnstatus_request
        return {
            "transaction_id": b.message.transaction_id,
            "correlation_id": correlation_id,
            "txnstatus_response": {
                "txn_type": query.txn_type,
                "txn_status": {
                    "transaction_id": b.message.transaction_id,
                    "correlation_id": correlation_id,
                    "search_response": [],
                },
            },
        }

    ack, accepted = _accept(
        request, env, client, body, "txn-status", 1, "/registry/txn/on-status", "txn-on-status", empty
    )
    if ack:
        return ack
    call_context(request).reference_ids = [body.message.txnstatus_request.reference_id]
    status, message = txn_status(env, client, body, accepted.correlation_id)
    if status == "rjct":
        _failed(request, "no_transaction", None)
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "txn-on-status",
        status,
        1,
        int(status == "succ"),
        accepted.registry_id,
        reason_message=None if status == "succ" else "no transaction matches",
    )
    dci_callbacks.deliver(client, accepted.callback_url, "txn-on-status", dci_envelope.signed(env, header, message))
    return dci_envelope.ack(accepted.correlation_id)

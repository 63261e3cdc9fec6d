"""The asynchronous half of the SPDCI Social Registry API: ACK now, signed callback later."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import odoo_env, require_scope
from odoo.addons.g2p_partner_api.services.call_context import call_context

from ..schemas.dci import (
    Ack,
    SearchEnvelope,
    SubscribeEnvelope,
    TxnStatusEnvelope,
    UnsubscribeEnvelope,
)
from ..services import dci_acceptance, dci_callbacks, dci_checks, dci_envelope, dci_spec
from ..services.dci_txn_status import txn_status
from .dci import ERRORS

router = APIRouter(tags=["DCI asynchronous"])
ACK_DOC = (
    "ACK when the envelope passed the basic checks (the answer follows as a signed callback to header.sender_uri "
    "or the client's registered callback URL); ERR with err.sender_id / err.signature / err.sender_uri codes "
    "when it cannot be trusted or answered."
)


def _accepted(request, env, client, body, action):
    """The Acceptance of this call (``dci_acceptance.accept``), its audit context set."""
    call_context(request).actor = body.header.sender_id
    correlation_id = str(uuid.uuid4())
    call_context(request).correlation_id = correlation_id
    acceptance = dci_acceptance.accept(env, client, body, action, correlation_id)
    if acceptance.refusal:
        _failed(request, acceptance.refusal.code)
    return acceptance


def _recorded(request, env, client, body, acceptance, answers=None, **values):
    """The asynchronous transaction of an accepted envelope (``g2p.dci.transaction._record``), answered later to
    the acceptance's callback URL, as the endpoint that received it."""
    return (
        env["g2p.dci.transaction"]
        .sudo()
        ._record(
            client,
            body,
            acceptance.correlation_id,
            answers,
            mode="async",
            callback_url=acceptance.callback_url,
            endpoint_id=call_context(request).endpoint_id,
            **values,
        )
    )


def _failed(request, code):
    call_context(request).outcome = "failure"
    call_context(request).error_code = code


def add_async_route(path, action, body_model, scope, summary, answer, name=None):
    """Add ``POST <path>``: the envelope of ``action`` is accepted (ACK) or refused (ERR) at once;
    ``answer(request, env, client, body, acceptance)`` then records and answers an accepted one."""

    @router.post(
        path,
        response_model=Ack,
        response_model_exclude_none=True,
        responses=ERRORS,
        summary=summary,
        name=name or action,
        description=ACK_DOC,
    )
    def accept(
        request: Request,
        body: body_model,
        env: Annotated[Environment, Depends(odoo_env)],
        client: Annotated[object, Depends(require_scope(scope))],
        _spec: Annotated[object, Depends(dci_spec.checked_against_spec(action))],
    ):
        acceptance = _accepted(request, env, client, body, action)
        if not acceptance.refusal:
            answer(request, env, client, body, acceptance)
        return acceptance.ack

    accept.__name__ = name or action
    return accept


def _search(request, env, client, body, acceptance):
    """Pending items are recorded; a job searches them and calls back on-search. The reference ids are
    checked by the transaction's INSERT, as the synchronous search's (``dci_sync.search``)."""
    items = body.message.search_request

    def answered_and_recorded(used):
        rejected = dci_checks.item_rejections(client, "search", items, used)
        pending = [
            dci_envelope.item_pending(item.get("reference_id")) for item in dci_checks.accepted_items(items, rejected)
        ]
        answers = dci_checks.answers_in_order(items, rejected, pending)
        transaction = _recorded(
            request,
            env,
            client,
            body,
            acceptance,
            answers,
            references=dci_checks.fresh_references(answers),
            status="pdng",
            request_envelope=body.model_dump_json(include={"header", "message"}),
        )
        return transaction, answers

    transaction, answers = dci_checks.recorded_once(answered_and_recorded)
    call_context(request).reference_ids = [answer["reference_id"] or "-" for answer in answers]
    transaction._enqueue_search()


def _subscribe(request, env, client, body, acceptance):
    items = body.message.subscribe_request
    transaction = _recorded(request, env, client, body, acceptance, status="pdng")
    Subscription = env["g2p.dci.subscription"].sudo()

    def answered_and_recorded(used):
        # answers whose reference id a racing call of the sender recorded first are undone, subscriptions included
        with env.cr.savepoint():
            rejected = dci_checks.item_rejections(client, "subscribe", items, used)
            answers = [
                Subscription._subscribe_item(client, item, transaction, rejected.get(index))
                for index, item in enumerate(items)
            ]
            return transaction._completed(answers, items), answers

    status, answers = dci_checks.recorded_once(answered_and_recorded, used=None)
    call_context(request).reference_ids = [answer["reference_id"] for answer in answers]
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "on-subscribe",
        status,
        len(answers),
        transaction.completed_count,
        acceptance.registry_id,
    )
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": acceptance.correlation_id,
        "subscribe_response": answers,
    }
    dci_callbacks.deliver(
        client, acceptance.callback_url, "on-subscribe", dci_envelope.signed(env, header, message), transaction
    )


def _unsubscribe(request, env, client, body, acceptance):
    codes = body.message.subscription_codes
    status, problem, subscriptions = env["g2p.dci.subscription"].sudo()._unsubscribe_codes(client, codes)
    if problem:
        _failed(request, problem.code)
    transaction = _recorded(request, env, client, body, acceptance, status=status, completed_count=len(subscriptions))
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-unsubscribe", status, len(codes), len(subscriptions), acceptance.registry_id
    )
    message = dci_envelope.unsubscribe_answer(body.message, acceptance.correlation_id, status, problem, subscriptions)
    dci_callbacks.deliver(
        client, acceptance.callback_url, "on-unsubscribe", dci_envelope.signed(env, header, message), transaction
    )


def _txn_status(request, env, client, body, acceptance):
    call_context(request).reference_ids = [body.message.txnstatus_request.reference_id]
    status, message = txn_status(env, client, body, acceptance.correlation_id)
    if status == "rjct":
        _failed(request, "no_transaction")
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "txn-on-status",
        status,
        1,
        int(status == "succ"),
        acceptance.registry_id,
        reason_message=None if status == "succ" else "no transaction matches",
    )
    dci_callbacks.deliver(
        client,
        acceptance.callback_url,
        "txn-on-status",
        dci_envelope.signed(env, header, message),
        company=env.company,
    )


search = add_async_route(
    "/registry/search",
    "search",
    SearchEnvelope,
    "dci:search",
    "Asynchronous DCI search: ACK now, results later to on-search",
    _search,
)
subscribe = add_async_route(
    "/registry/subscribe",
    "subscribe",
    SubscribeEnvelope,
    "dci:subscribe",
    "Subscribe to registry events: ACK now, on-subscribe with the subscription codes, then notify",
    _subscribe,
)
unsubscribe = add_async_route(
    "/registry/unsubscribe",
    "unsubscribe",
    UnsubscribeEnvelope,
    "dci:subscribe",
    "End subscriptions by code: ACK now, on-unsubscribe with their status",
    _unsubscribe,
)
txn_status_async = add_async_route(
    "/registry/txn/status",
    "txn-status",
    TxnStatusEnvelope,
    "dci:search",
    "Status of earlier transactions: ACK now, txn/on-status later",
    _txn_status,
    name="txn_status",
)

"""The synchronous DCI calls (``/registry/sync/search``, ``/registry/sync/txn/status``) answered: the
envelope checked, the answer built and signed, what the call did told to its audit context."""

import uuid

from . import dci_checks, dci_envelope
from .dci_search import SCOPE, search_request_answers
from .dci_txn_status import txn_status


def _refused(env, call, body, action, answer_action, client, check_message_id=True):
    """The signed rjct envelope of a message refused as a whole, None when it passes the checks; an
    untrusted message (sender, signature) raises the HTTP 403 the spec gives instead."""
    call.actor = body.header.sender_id
    problem = dci_checks.envelope_problem(client, body, action, check_message_id)
    if not problem:
        return None
    dci_checks.refuse_untrusted(problem)
    return _rejected(env, call, body, problem, answer_action)


def _rejected(env, call, body, problem, answer_action):
    call.outcome, call.error_code = "failure", problem.code
    return dci_envelope.rejected(env, body.header.model_dump(), dci_envelope.registry_id(env), problem, answer_action)


def search(env, client, body, call):
    """The signed on-search envelope answering each search_request item of ``body``; the transaction recorded
    and the registrants the answers name disclosed to ``client``.

    The message id and the reference ids are checked by the transaction's INSERT, not by queries before
    it (two statements less per call): a message id already used, or used by a call running at the same
    time, is refused once its items were looked at, with the same rjct envelope, and nothing of this call
    is recorded or disclosed. A reference id the sender already used (found by the INSERT, which then
    records nothing; or recorded by a call of the sender running at the same time, which the unique index
    of the items makes the INSERT fail on) is answered ``rjct.reference_id.duplicate``: the items are
    answered again knowing it, and nothing of the first answers is recorded or disclosed."""
    refused = _refused(env, call, body, "search", "on-search", client, check_message_id=False)
    if refused:
        return refused
    correlation_id = str(uuid.uuid4())
    Transaction = env["g2p.dci.transaction"].sudo()

    def answered_and_recorded(used):
        answers, named = search_request_answers(env, client, body.message.search_request, used=used)
        references = dci_checks.fresh_references(answers)
        transaction = Transaction._record(
            client, body, correlation_id, answers, if_new=True, references=references, endpoint_id=call.endpoint_id
        )
        return transaction, answers, named

    transaction, answers, named = dci_checks.recorded_once(answered_and_recorded)
    if not transaction:
        return _rejected(env, call, body, dci_checks.duplicate_message(body.header), "on-search")
    call.disclose(named, SCOPE, channel="dci_search")
    call.correlation_id = correlation_id
    call.reference_ids = [answer["reference_id"] for answer in answers]
    status, succeeded = dci_envelope.answers_status(answers)
    if status == "rjct":
        call.outcome, call.error_code = "failure", answers[0].get("status_reason_code")
    header = dci_envelope.response_header(
        body.header.model_dump(), "on-search", status, len(answers), succeeded, dci_envelope.registry_id(env)
    )
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": call.correlation_id,
        "search_response": answers,
    }
    return dci_envelope.signed(env, header, message)


def status_of_transactions(env, client, body, call):
    """The signed txn-on-status envelope answering ``body``'s question about this sender's transactions."""
    refused = _refused(env, call, body, "txn-status", "txn-on-status", client)
    if refused:
        return refused
    call.correlation_id = str(uuid.uuid4())
    status, message = txn_status(env, client, body, call.correlation_id)
    call.reference_ids = [body.message.txnstatus_request.reference_id]
    if status == "rjct":
        call.outcome = "failure"
    header = dci_envelope.response_header(
        body.header.model_dump(),
        "txn-on-status",
        status,
        1,
        int(status == "succ"),
        dci_envelope.registry_id(env),
        reason_message=None if status == "succ" else "no transaction matches",
    )
    return dci_envelope.signed(env, header, message)

"""The DCI envelope, built in one place: header swap, status, counts, registry signature."""

import uuid
from datetime import UTC, datetime

REGISTRY_ID_PARAM = "g2p_dci_search.registry_id"

# codes of the spec's ``Error`` the registry answers (HTTP errors, ERR acknowledgements)
ERROR_CODES = (
    "err.request.bad",
    "err.request.unauthorized",
    "err.request.forbidden",
    "err.request.not_found",
    "err.request.timeout",
    "err.request.too_many_requests",
    "err.sender_id.invalid",
    "err.sender_uri.invalid",
    "err.signature.missing",
    "err.signature.invalid",
    "err.service.unavailable",
)
# status_reason_code of the registry's rjct answers: header (MsgHeaderStatusReasonCode) and items
HEADER_REASON_CODES = (
    "rjct.action.invalid",
    "rjct.action.not_supported",
    "rjct.message_id.duplicate",
    "rjct.message_ts.invalid",
    "rjct.total_count.invalid",
)
ITEM_REASON_CODES = (
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.search_criteria.invalid",
    "rjct.sort.invalid",
    "rjct.pagination.invalid",
    "rjct.notify_types.invalid",
    "rjct.notify_details.invalid",
    "rjct.event.already_subscribed",
    "rjct.subscription_code.invalid",
    "rjct.event.already_unsubscribed",
)


def registry_id(env):
    """The registry's own DCI id (sender_id of everything it sends)."""
    return env["ir.config_parameter"].sudo().get_param(REGISTRY_ID_PARAM, "registry.g2p")


def now_iso():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_ts(value):
    """ISO 8601 timestamp of a message or item; None when absent or not a timestamp."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def response_header(
    request_header, action, status, total, completed, registry_id, reason_code=None, reason_message=None
):
    header = {
        "version": "1.0.0",
        "message_id": str((request_header or {}).get("message_id") or uuid.uuid4()),
        "message_ts": now_iso(),
        "action": action,
        "status": status,
        "total_count": total,
        "completed_count": completed,
        "sender_id": registry_id,
        "receiver_id": (request_header or {}).get("sender_id") or "",
        "is_msg_encrypted": False,
    }
    if reason_code:
        header["status_reason_code"] = reason_code
    if reason_message:
        header["status_reason_message"] = reason_message[:999]
    return header


def signed(env, header, message):
    envelope = {"header": header, "message": message}
    envelope["signature"] = env["g2p.api.signing.key"].sudo()._sign_message({"header": header, "message": message})
    return envelope


def rejected(env, request_header, registry_id, problem, action="on-search"):
    """Envelope-level failure (a DciProblem): header.status rjct, empty search_response (HTTP 200)."""
    header = response_header(request_header, action, "rjct", 0, 0, registry_id, problem.code, problem.message)
    return signed(env, header, {"transaction_id": "", "correlation_id": str(uuid.uuid4()), "search_response": []})


def answers_status(answers):
    """(header status, completed_count) of an envelope from the answers to its items. The spec's
    header status has no "part": a partly answered batch is succ with completed_count < total_count
    (each item carries its own succ/rjct)."""
    completed = sum(answer["status"] == "succ" for answer in answers)
    return ("succ" if completed else "rjct"), completed


def unsubscribe_answer(message, correlation_id, status="rjct", problem=None, subscriptions=None):
    """The on-unsubscribe message answering the unsubscribe ``message`` (parsed)."""
    answer = {
        "transaction_id": message.transaction_id,
        "correlation_id": correlation_id,
        "timestamp": now_iso(),
        "status": status,
    }
    if problem:
        answer.update(status_reason_code=problem.code, status_reason_message=problem.message[:999])
    if subscriptions:
        answer["subscription_status"] = [{"code": s.code, "status": s.state} for s in subscriptions]
    return answer


def empty_answer(callback_action, message, correlation_id):
    """The callback message of ``callback_action`` answering the request ``message`` (parsed) with nothing:
    what an asynchronous request rejected as a whole gets, beside the rjct header."""
    if callback_action == "on-unsubscribe":
        return unsubscribe_answer(message, correlation_id)
    answer = {"transaction_id": message.transaction_id, "correlation_id": correlation_id}
    if callback_action == "txn-on-status":
        answer["txnstatus_response"] = {
            "txn_type": message.txnstatus_request.txn_type,
            "txn_status": dict(answer, search_response=[]),
        }
        return answer
    answer[f"{callback_action.removeprefix('on-')}_response"] = []
    return answer


def http_error(code, message, correlation_id):
    """The body of every HTTP-level error (400, 401, 403, 5xx): valid as the spec's ``HttpErrorResponse``
    (``errors[]``) and as its ``Response`` ERR acknowledgement, so a participant parsing either reads it."""
    message = (message or code)[:999]
    return dict(ack(correlation_id, "ERR", code, message), errors=[{"code": code, "message": message}])


def item_rejected(reference_id, code, message):
    return {
        "reference_id": str(reference_id or ""),
        "timestamp": now_iso(),
        "status": "rjct",
        "status_reason_code": code,
        "status_reason_message": message,
    }


def item_pending(reference_id):
    """An item accepted, to be answered later (what its transaction records until then)."""
    return {"reference_id": str(reference_id or ""), "status": "pdng"}


def item_status(item):
    """A recorded item as a search_response entry without records (txn status answers)."""
    entry = {"reference_id": item.reference_id, "timestamp": item.create_date.isoformat() + "Z", "status": item.status}
    if item.status_reason_code:
        entry["status_reason_code"] = item.status_reason_code
    return entry


def ack(correlation_id, status="ACK", error_code=None, error_message=None):
    """The spec's acknowledgement of an asynchronous request."""
    message = {"ack_status": status, "timestamp": now_iso(), "correlation_id": correlation_id}
    if error_code:
        message["error"] = {"code": error_code, "message": (error_message or error_code)[:999]}
    return {"message": message}

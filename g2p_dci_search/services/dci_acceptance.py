"""The checks every asynchronous DCI call passes before it is acknowledged."""

from dataclasses import dataclass

from . import dci_callbacks, dci_checks, dci_envelope
from .dci_problem import DciProblem

# action -> (action of its callback, path of that callback under the sender's URL)
CALLBACKS = {
    "search": ("on-search", "/registry/on-search"),
    "subscribe": ("on-subscribe", "/registry/on-subscribe"),
    "unsubscribe": ("on-unsubscribe", "/registry/on-unsubscribe"),
    "txn-status": ("txn-on-status", "/registry/txn/on-status"),
}


@dataclass(frozen=True)
class Acceptance:
    """What an asynchronous call answers now (``ack``) and, unless ``refusal`` says why not, where
    its answer is sent later (``callback_url``, signed as ``registry_id``)."""

    correlation_id: str
    ack: dict
    refusal: DciProblem | None = None
    callback_url: str | None = None
    registry_id: str | None = None


def accept(env, client, body, action, correlation_id):
    """The Acceptance of ``client``'s envelope ``body`` (parsed) of ``action``.

    A message that cannot be trusted, or whose answer has nowhere to go, is refused with an ERR
    acknowledgement; one the spec rejects with a header reason code (``rjct.*``) is acknowledged and
    that code travels in the callback's header, with an empty answer.
    """
    problem = dci_checks.envelope_problem(client, body, action)
    if problem and problem.untrusted:
        return Acceptance(
            correlation_id, dci_envelope.ack(correlation_id, "ERR", problem.code, problem.message), problem
        )
    callback_action, callback_path = CALLBACKS[action]
    try:
        url = dci_callbacks.callback_url(client, body.header.sender_uri, callback_path)
        client._dci_callback_channel()  # exists from the ACK on, whatever happens to the client's URL later
    except dci_callbacks.CallbackUrlInvalid as exc:
        problem = DciProblem("err.sender_uri.invalid", str(exc))
        return Acceptance(
            correlation_id, dci_envelope.ack(correlation_id, "ERR", problem.code, problem.message), problem
        )
    registry_id = dci_envelope.registry_id(env)
    if problem:
        header = dci_envelope.response_header(
            body.header.model_dump(), callback_action, "rjct", 0, 0, registry_id, problem.code, problem.message
        )
        message = dci_envelope.empty_answer(callback_action, body.message, correlation_id)
        dci_callbacks.deliver(
            client, url, callback_action, dci_envelope.signed(env, header, message), company=env.company
        )
        return Acceptance(correlation_id, dci_envelope.ack(correlation_id), problem)
    return Acceptance(correlation_id, dci_envelope.ack(correlation_id), None, url, registry_id)

"""Checks every DCI request envelope passes before its message is looked at."""

from odoo.addons.g2p_partner_api.services.api_errors import ApiError

from . import dci_envelope, dci_signature, dci_spec
from .dci_problem import DciProblem


def envelope_problem(client, body, action, check_message_id=True):
    """The DciProblem that makes the envelope itself unacceptable, else None: one of the spec's header
    reason codes (``rjct.*``, ``MsgHeaderStatusReasonCode``), or for a message that cannot be trusted
    (sender, signature) one of its ``err.*`` codes (``Error``). ``check_message_id``: False when the
    caller records the message's transaction with ``_record(if_new=True)``, whose INSERT refuses a
    message id already used (``duplicate_message``) in the same statement, racing calls included."""
    header = body.header
    if header.action != action:
        return DciProblem("rjct.action.invalid", f"action must be {action}, not {header.action!r}")
    if dci_envelope.parse_ts(header.message_ts) is None:
        return DciProblem("rjct.message_ts.invalid", "message_ts is not an ISO 8601 date-time")
    if header.is_msg_encrypted:
        return DciProblem("rjct.action.not_supported", "encrypted messages are not supported")
    # the OAuth client_id is the partner's one name; its DCI sender id stays as an alias
    if header.sender_id not in {client.client_id, client.dci_sender_id}:
        return DciProblem("err.sender_id.invalid", f"sender {header.sender_id!r} is not the authenticated client")
    if client.dci_verify_signature:
        if not body.signature or not client._has_signature_key():
            return DciProblem("err.signature.missing", "the envelope must be signed with the client's registered key")
        signed = body.model_dump(mode="json", include={"header", "message"}, exclude_unset=True)
        try:
            key = client._signature_key(dci_signature.key_id(body.signature))
            dci_signature.verify(body.signature, signed, key.pem, header.sender_id, algorithms=key.algorithms)
        except dci_signature.SignatureInvalid as exc:
            return DciProblem("err.signature.invalid", str(exc))
    if header.total_count != dci_spec.item_count(action, body.message):
        return DciProblem("rjct.total_count.invalid", "total_count must equal the number of request items")
    Transaction = client.env["g2p.dci.transaction"].sudo()
    if check_message_id and Transaction.search_count(
        [("client_id", "=", client.id), ("message_id", "=", header.message_id)]
    ):
        return duplicate_message(header)
    return None


def duplicate_message(header):
    """The DciProblem of a message whose id its sender already used."""
    return DciProblem(
        "rjct.message_id.duplicate", f"message_id {header.message_id!r} was already received from this sender"
    )


def refuse_untrusted(problem):
    """A synchronous call whose message cannot be trusted: HTTP 403 with the spec's error body (the
    header reason codes of an ``rjct`` answer have none for a sender or a signature)."""
    if problem.untrusted:
        raise ApiError(403, problem.code, problem.message)


def duplicate_references(client, items, used=None):
    """reference_ids already used by this sender, or twice in this message. ``used``: the references of
    the sender known to be used, when the caller's INSERT checks the others (``_record(references=...)``,
    which refuses to record a transaction whose references were used); else the sender's items are searched."""
    references = [
        str(item.get("reference_id")) for item in items if isinstance(item, dict) and item.get("reference_id")
    ]
    seen, repeated = set(), set()
    for reference in references:
        (repeated if reference in seen else seen).add(reference)
    if used is None:
        used = client.env["g2p.dci.transaction"].sudo()._references_used(client, references)
    return repeated | (seen & set(used))


DUPLICATE_REFERENCE = "rjct.reference_id.duplicate"
MISSING_REFERENCE = "rjct.reference_id.invalid"


def duplicate_reference():
    """The DciProblem of an item whose reference_id its sender already used."""
    return DciProblem(DUPLICATE_REFERENCE, "reference_id already used by this sender")


def fresh_references(answers):
    """The reference_ids (as text, as ``duplicate_references`` compares them) of ``answers`` (a request's)
    that record a first use: all but the empty ones and those answered as already used."""
    return [
        str(answer["reference_id"])
        for answer in answers
        if answer["reference_id"] and answer.get("status_reason_code") != DUPLICATE_REFERENCE
    ]


class ReferencesUsed(Exception):
    """The transaction was not recorded: its sender already used these reference ids (a set)."""

    def __init__(self, references):
        super().__init__(f"reference ids already used: {sorted(references)}")
        self.references = references


def recorded_once(answer_and_record, used=frozenset()):
    """What ``answer_and_record(used)`` returns: it answers the items of a request knowing the reference ids
    ``used`` (``item_rejections``) and records them; when the recording raises ``ReferencesUsed`` (the
    reference ids are checked by the INSERT, racing calls of the sender included), it is called again
    knowing those too. ``used``: None to have the first answers search the sender's items."""
    while True:
        try:
            return answer_and_record(used)
        except ReferencesUsed as exc:
            if used is not None and exc.references <= used:  # answered as used already: cannot be (no end)
                raise
            used = (used or set()) | exc.references  # grows at each turn, within the message's references


# per action: the reason code of an item that is off the spec's item schema
OFF_SPEC_ITEM = {"search": "rjct.search_criteria.invalid", "subscribe": "rjct.notify_details.invalid"}


def item_rejections(client, action, items, used=None):
    """{index: DciProblem} for the items rejected before they are looked at:
    no reference_id, a reference_id already used, or off the spec's item schema (``used``: see
    ``duplicate_references``)."""
    duplicates = duplicate_references(client, items, used)
    off_spec = dci_spec.item_errors(action, items)
    rejected = {}
    for index, item in enumerate(items):
        reference = item.get("reference_id") if isinstance(item, dict) else None
        if not reference:
            rejected[index] = DciProblem(MISSING_REFERENCE, "reference_id is required")
        elif str(reference) in duplicates:
            rejected[index] = duplicate_reference()
        elif index in off_spec:
            rejected[index] = DciProblem(OFF_SPEC_ITEM[action], off_spec[index])
    return rejected


def accepted_items(items, rejected):
    """The items of a request not in ``rejected`` (``item_rejections``), in order."""
    return [item for index, item in enumerate(items) if index not in rejected]


def answers_in_order(items, rejected, accepted_answers):
    """The answers to every item of a request, in order: those in ``rejected`` (``item_rejections``)
    answered as rejected, the others taken in order from ``accepted_answers`` (of ``accepted_items``)."""
    accepted_answers = iter(accepted_answers)
    return [
        dci_envelope.item_rejected(item.get("reference_id"), rejected[index].code, rejected[index].message)
        if index in rejected
        else next(accepted_answers)
        for index, item in enumerate(items)
    ]

"""txn-status answers, from the transactions the registry recorded for this sender through an endpoint of the
company of the one asked."""

from . import dci_envelope


def txn_status(env, client, body, correlation_id):
    """(status, TxnStatusResponse message) for a txnstatus_request of ``client``.

    ``correlation_id`` is this request's own (the ACK's, for the asynchronous call); the looked-up
    transaction's is in ``txn_status``. A transaction the registry does not know is ``rjct`` with an
    empty ``search_response``, in the same valid shape; so is one the sender made through another company's
    endpoint (``env`` is the call's, in its endpoint's company): that company's reference ids and statuses are
    not this one's to tell, its staff read the callback.
    """
    query = body.message.txnstatus_request
    values = query.attribute_value if isinstance(query.attribute_value, list) else [query.attribute_value]
    domain = [("client_id", "=", client.id), ("company_id", "=", env.company.id), ("action", "=", query.txn_type)]
    if query.attribute_type == "reference_id_list":
        transactions = env["g2p.dci.transaction"].sudo().search(domain + [("item_ids.reference_id", "in", values)])
    else:
        transactions = env["g2p.dci.transaction"].sudo().search(domain + [(query.attribute_type, "in", values)])
    items = transactions.item_ids
    if query.attribute_type == "reference_id_list":
        items = items.filtered(lambda i: i.reference_id in values)
    status = "succ" if transactions else "rjct"
    first = transactions[:1]
    message = {
        "transaction_id": body.message.transaction_id,
        "correlation_id": correlation_id,
        "txnstatus_response": {
            "txn_type": query.txn_type,
            "txn_status": {
                "transaction_id": first.transaction_id or body.message.transaction_id,
                "correlation_id": first.correlation_id or "",
                "search_response": [dci_envelope.item_status(i) for i in items],
            },
        },
    }
    return status, message

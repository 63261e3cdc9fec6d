"""Where and how the registry answers asynchronously: callback URLs and signed deliveries."""

import json
import posixpath
from urllib.parse import quote, unquote, urlparse, urlunparse


class CallbackUrlInvalid(Exception):
    pass


def callback_url(client, sender_uri, path):
    """The URL a callback of this request goes to.

    ``header.sender_uri`` when it lies under the callback URL registered on the client (so a
    caller cannot make the registry post data to a third party), else the registered URL
    followed by the spec's path for that callback (e.g. ``/registry/on-search``).
    """
    base = client.dci_callback_url
    if not base:
        raise CallbackUrlInvalid("no DCI callback URL is registered for this client")
    if not sender_uri:
        return base.rstrip("/") + path
    registered, given = urlparse(base), urlparse(sender_uri)
    path = _normalised_path(given.path)
    under_base = (path.rstrip("/") + "/").startswith(_normalised_path(registered.path).rstrip("/") + "/")
    if (
        (given.scheme, given.netloc) != (registered.scheme, registered.netloc)
        or given.username
        or given.password
        or given.fragment
        or not under_base
    ):
        raise CallbackUrlInvalid(f"sender_uri must lie under the callback URL registered for this client ({base})")
    # what is sent to is what was checked: the normalised path
    return urlunparse(given._replace(path=quote(path)))


def _normalised_path(path):
    """``path`` with percent-escapes decoded and dot segments resolved (``/cb/../x`` → ``/x``,
    ``/cb/%2e%2e/x`` → ``/x``), so a prefix check cannot be walked around."""
    decoded = unquote(path or "/").replace("\\", "/")
    normalised = posixpath.normpath("/" + decoded.lstrip("/"))
    return normalised + ("/" if decoded.endswith("/") and normalised != "/" else "")


def deliver(
    client, url, kind, envelope, transaction=None, subscription=None, registrants=None, scope=None, company=None
):
    """Queue the signed ``envelope`` for delivery to ``url`` (logged and retried like every outbound event).

    ``registrants``: every registrant the envelope names, read under ``scope``; each attempt checks
    again that the client still holds ``scope`` and may still read each of them (consent), as for
    every outbound event, and sends nothing otherwise.
    ``company``: the company of the call answered, for a callback that records no ``transaction``
    (``_callback_company_id``).
    """
    channel = client._dci_callback_channel()
    delivery = (
        client.env["g2p.api.delivery"]
        .sudo()
        .create(
            {
                "subscription_id": channel.id,
                "event_type": f"dci.{kind}",
                "event_id": envelope["header"]["message_id"],
                "url": url,
                "http_method": "POST",
                "body": json.dumps(envelope, ensure_ascii=False, sort_keys=True),
                "dci_transaction_id": transaction.id if transaction else False,
                "dci_subscription_id": subscription.id if subscription else False,
                "required_scope": scope,
                "registrant_ids": [(6, 0, registrants.ids if registrants else [])],
                "company_id": _callback_company_id(transaction, subscription, company),
            }
        )
    )
    delivery._enqueue_attempt()
    return delivery


def _callback_company_id(transaction, subscription, company):
    """The company whose staff read a callback: its envelope carries what a participant asked of that company's
    DCI endpoint (a subscription's filter, its codes, a transaction's items), which the transaction's and the
    subscription's record rules keep to that company. The transaction's company, else the subscription's (its
    transaction's; none for a subscription without one, which every company's API Managers read), else
    ``company`` (the call's, for a callback that records no transaction)."""
    if transaction:
        return transaction.company_id.id
    if subscription:
        return subscription.transaction_id.company_id.id
    return company.id if company else False

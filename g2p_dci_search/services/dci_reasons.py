"""Why a DCI request item was rejected, in words a registry officer can act on.

A transaction item keeps the spec's reason code (``rjct.*``, see ``dci_envelope.ITEM_REASON_CODES``) and the
registry's own technical sentence; the transaction form shows this instead, the code and sentence stay on
its *Technical details* page.
"""

from odoo.addons.g2p_partner_api.services.problem_table import problem, problems_html


def _reasons(env):
    """reason code → (what is wrong, what to do), in the user's language."""
    _ = env._
    resend = _("Ask the partner to correct the request and send it again.")
    return {
        "rjct.reference_id.invalid": (_("The item has no reference ID."), resend),
        "rjct.reference_id.duplicate": (
            _("The partner already used this reference ID in an earlier request."),
            _("Ask the partner to give each request item a new reference ID."),
        ),
        "rjct.timestamp.invalid": (_("The item's timestamp is not a date and time."), resend),
        "rjct.search_criteria.invalid": (
            _("The registry cannot answer the search as it was asked (a field or an operator it does not offer)."),
            _("Ask the partner to search only by the fields of the register (see DCI › Registers), then resend."),
        ),
        "rjct.sort.invalid": (_("The registry cannot sort the results as asked."), resend),
        "rjct.pagination.invalid": (
            _("The page asked for is not one the registry serves (too many results per page, or no such page)."),
            resend,
        ),
        "rjct.notify_types.invalid": (_("The subscription asks for an event the registry does not send."), resend),
        "rjct.notify_details.invalid": (_("The subscription's details cannot be read."), resend),
        "rjct.event.already_subscribed": (
            _("The partner is already subscribed to this event."),
            _("Nothing to do: the existing subscription goes on."),
        ),
        "rjct.subscription_code.invalid": (
            _("No subscription of this partner has this code."),
            _("Ask the partner to check the subscription code it sent."),
        ),
        "rjct.event.already_unsubscribed": (
            _("The partner had already ended this subscription."),
            _("Nothing to do."),
        ),
    }


def item_reasons(env, items):
    """{item: (what is wrong, what to do)} of the rejected ``items`` (g2p.dci.transaction.item)."""
    reasons = _reasons(env)
    unknown = (env._("The request item was refused."), env._("See Technical details for the registry's reason."))
    return {
        item: reasons.get(item.status_reason_code, unknown) for item in items.filtered(lambda i: i.status == "rjct")
    }


def report_html(env, items):
    """The rejected ``items`` as the problems table of the transaction form (empty when none was rejected)."""
    _ = env._
    problems = [
        problem(message, action, item=item.reference_id) for item, (message, action) in item_reasons(env, items).items()
    ]
    return problems_html([("item", _("Item")), ("message", _("Problem")), ("action", _("What to do"))], problems)

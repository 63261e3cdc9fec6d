"""Why an item or a change request failed, in words a registry officer can act on.

The pipeline keeps pydantic's ``errors()`` list (and the suite's own reference problems, in the same shape)
as JSON on the failed row; this service turns it into problems: the field's label, the value sent, what is
wrong and what to do. The raw text stays on the row for the *Technical details* page.
"""

import json

from odoo.addons.g2p_partner_api.services.problem_table import problem, problems_html

from ..schemas.canonical import plain_loc
from .change_request_review import DATE_ERRORS, ChangeRequestReview

# the suite's own error type for a code the register has no record for (see G2PIngestRaw._check_references)
UNKNOWN_CODE = "unknown_code"
# a household item naming one person as two members (G2PIngestRaw._check_members_once), the REST API's code for it
MEMBER_GIVEN_TWICE = "duplicate_value"


def validation_details(exc):
    """JSON text of a pydantic ValidationError's errors, kept for the report (context objects as text)."""
    errors = [
        {
            "type": e["type"],
            "loc": list(plain_loc(e["loc"])),
            "msg": e["msg"],
            "input": e.get("input"),
            "ctx": e.get("ctx"),
        }
        for e in exc.errors(include_url=False)
    ]
    return json.dumps(errors, default=str, ensure_ascii=False)


def reference_details(problems):
    """JSON text of the register's reference problems: (loc, value, vocabulary) triples."""
    return json.dumps(
        [
            {"type": UNKNOWN_CODE, "loc": list(loc), "input": value, "ctx": {"kind": kind}}
            for loc, value, kind in problems
        ],
        ensure_ascii=False,
    )


def only_unknown_codes(details):
    """True when every stored problem is a code the register has no record for (which the registry can add)."""
    errors = _loads(details)
    return bool(errors) and all(e.get("type") == UNKNOWN_CODE for e in errors)


def _loads(details):
    try:
        loaded = json.loads(details or "[]")
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


class ErrorReport:
    """Problems of one failure, each a dict: field, value, message, action."""

    def __init__(self, env):
        self.env = env
        self.review = ChangeRequestReview(env)

    # --- one problem per stored error -------------------------------------------------------
    def _shown(self, value):
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def _message(self, error):
        _ = self.env._
        kind = error.get("type")
        value = self._shown(error.get("input"))
        ctx = error.get("ctx") or {}
        if kind in DATE_ERRORS:
            return _("'%(value)s' is not a date; the partner must send YYYY-MM-DD", value=value)
        if kind == "missing":
            return _("Nothing was sent; the partner must send it")
        if kind == "string_too_short":
            return _("It is empty; the partner must send a value")
        if kind == "string_blank":
            return _("It holds only spaces; the partner must send a value")
        if kind == "string_type":
            return _("'%(value)s' is not text", value=value)
        if kind == "extra_forbidden":
            return _("The registry has no such field; the partner must leave it out")
        if kind == "too_long":
            return _("Too many: at most %(max)s", max=ctx.get("max_length", "?"))
        if kind in ("list_type", "model_type", "dict_type"):
            return _("'%(value)s' is not the expected kind of value", value=value)
        if kind == MEMBER_GIVEN_TWICE:
            return _(
                "The same person as member %(number)s: the partner must send each member once, with all its kinds",
                number=ctx.get("first", 0) + 1,
            )
        if kind == UNKNOWN_CODE:
            vocabulary = ctx.get("kind")
            if vocabulary == "country":
                return _("'%(value)s' is not an ISO 3166-1 country code", value=value)
            if vocabulary == "id_type":
                return _("'%(value)s' is not an active ID type of the registry", value=value)
            return _("'%(value)s' is not a code the registry knows", value=value)
        return error.get("msg") or kind

    def _action(self, error):
        _ = self.env._
        if error.get("type") == UNKNOWN_CODE:
            return _(
                "Ask the partner to send a code the registry knows, or an administrator to add this one; then retry."
            )
        return _("Ask the partner to correct and resend the item.")

    def _problem(self, error):
        loc = error.get("loc") or []
        missing = error.get("type") == "missing"
        return problem(
            self._message(error),
            self._action(error),
            field=self.review._location(loc),
            value="" if missing else self._shown(error.get("input")),
        )

    # --- entry points -------------------------------------------------------------------------
    def ingest_problems(self, error_code, error_message, details):
        """The problems of a failed received item."""
        _ = self.env._
        errors = _loads(details)
        if errors:
            return [self._problem(e) for e in errors]
        if not error_code and not error_message:
            return []
        if error_code == "CLASSIFICATION_FAILED":
            return [
                self._general(
                    _("The item is not a JSON object."), _("Ask the partner to send each item as a JSON object.")
                )
            ]
        if error_code == "TRANSFORMATION_FAILED":
            return [
                self._general(
                    _("The data model's transformation could not make a registrant of this item."),
                    _(
                        "Ask the partner to resend the item with the field, or an API Manager to correct the data "
                        "model's transformation and then retry."
                    ),
                )
            ]
        return [self._general(error_message, _("Correct what the message names in the registry, then retry."))]

    def change_request_problems(self, error_message):
        """The problem of a change request that failed to apply (the suite's own sentences)."""
        if not error_message:
            return []
        return [
            self._general(
                error_message.splitlines()[0],
                self.env._("Reject it, or correct the register and Retry: it goes back to review."),
            )
        ]

    def _general(self, message, action):
        return problem(message, action, field="", value="")

    def html(self, problems):
        """The problems as a table a person reads (empty when there is none)."""
        _ = self.env._
        columns = [
            ("field", _("Field")),
            ("value", _("Value sent")),
            ("message", _("Problem")),
            ("action", _("What to do")),
        ]
        return problems_html(columns, problems)

"""The default values a caller can choose, made visible to the checks of ``create``, and kept out of what the
registry's own code creates for it.

Odoo fills the fields ``create`` was not given inside ``BaseModel.create`` (``_add_missing_default_values``),
after an override has checked ``vals``: first from the context's ``default_<field>`` keys, which any JSON-RPC
call sends as it likes and which follow the call into every ``sudo()`` create it leads to, then from
``ir.default``, where every employee may keep personal defaults (Odoo's rule "Defaults: alter personal
defaults"; the suite's fields are administrators', ``models/ir_default.py``). A check of ``vals`` alone lets a
value it refuses through as such a default. The ``create`` of the suite's models call ``with_caller_defaults``
first and check, and store, what it returns, so Odoo has no default of the caller's left to add. Defaults
written in the code (``fields.X(default=...)``) are the registry's: left to Odoo.
"""

from odoo.tools.misc import clean_context

from .suite_names import is_suite_model

CONTEXT_PREFIX = "default_"


def with_caller_defaults(model, vals_list):
    """``vals_list`` as ``create`` will store it. For a user: each with the value the context or ``ir.default``
    gives every field it leaves out. For the registry's own code (sudo) creating a record of the suite: each
    with the value the field takes without the caller's context (the code's default, else empty), so that the
    ``default_<field>`` keys of the call that led there give nothing."""
    if model.env.su:
        return _without_context_defaults(model, vals_list) if is_suite_model(model._name) else vals_list
    chosen = _context_default_fields(model) | set(model.env["ir.default"]._get_model_defaults(model._name))
    return _with_defaults(model, vals_list, chosen.intersection(model._fields))


def without_caller_defaults(records):
    """``records`` in the caller's context less its ``default_<field>`` keys: for what the registry's code creates
    of models whose ``create`` does not call ``with_caller_defaults`` (attachments, history rows, candidates)."""
    # replacing the context is the point: with_context(**...) would keep the keys it is meant to drop
    return records.with_context(clean_context(records.env.context))  # pylint: disable=context-overridden


def _context_default_fields(model):
    return {key[len(CONTEXT_PREFIX) :] for key in model.env.context if key.startswith(CONTEXT_PREFIX)}


def _with_defaults(model, vals_list, names):
    missing = {name for vals in vals_list for name in names if name not in vals}
    if not missing:
        return vals_list
    defaults = model.default_get(sorted(missing))
    return [
        {**{name: defaults[name] for name in missing if name not in vals and name in defaults}, **vals}
        for vals in vals_list
    ]


def _without_context_defaults(model, vals_list):
    names = _context_default_fields(model).intersection(model._fields)
    missing = {name for vals in vals_list for name in names if name not in vals}
    if not missing:
        return vals_list
    defaults = without_caller_defaults(model).default_get(sorted(missing))
    for name in missing:
        if name not in defaults:
            defaults[name] = [] if model._fields[name].type in ("one2many", "many2many") else False
    return [{**{name: defaults[name] for name in missing if name not in vals}, **vals} for vals in vals_list]

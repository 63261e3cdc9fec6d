"""Values computed once per API call, e.g. a client's consent rule for a scope.

The suite's middleware opens one cache per call; outside a call (cron, jobs, shell) every
lookup computes afresh. Nothing outlives the call, so nothing is shared between clients.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_call_values = ContextVar("g2p_call_values", default=None)


@contextmanager
def call_cache():
    token = _call_values.set({})
    try:
        yield
    finally:
        _call_values.reset(token)


def once_per_call(key, compute):
    """``compute()``, computed once per API call for ``key`` (a hashable naming what it is and for whom)."""
    values = _call_values.get()
    if values is None:
        return compute()
    if key not in values:
        values[key] = compute()
    return values[key]

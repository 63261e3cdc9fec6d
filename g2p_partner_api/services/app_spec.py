"""What an app of the suite is made of: ``fastapi.endpoint._g2p_apps`` declares one per app."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .call_context import CallContext
from .openapi_document import KEEP


@dataclass(frozen=True)
class AppSpec:
    """One app of the suite, as ``fastapi.endpoint`` builds it.

    ``render_error(exc, call) -> (status, body, headers)``: the app's error shape (``call``: the call's
    ``CallContext``, where the renderer notes the error code for the audit); ``max_body_bytes(env, path) -> int``: the
    largest body read, counted while reading; ``answers_problems(path) -> bool``: the routes whose errors
    are problem details (documented as application/problem+json); ``invalid_input``: the OpenAPI response
    of a request FastAPI refuses when not FastAPI's 422 (None: answered as another status, ``KEEP``:
    FastAPI's); ``readonly_posts``: paths in the app of the POSTs that only read (served by a read replica
    like GETs, services/read_routing.py); ``context_class``: the ``CallContext`` of its calls (an app adds
    what its error renderer needs to know of a call)."""

    routers: tuple
    render_error: Callable
    version: str
    summary: str
    max_body_bytes: Callable | None = None
    answers_problems: Callable | None = None
    invalid_input: Any = KEEP
    readonly_posts: tuple[str, ...] = ()
    context_class: type = CallContext

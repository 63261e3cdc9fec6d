"""The suite's route functions run in their call's event loop thread, not in FastAPI's thread pool.

FastAPI runs a plain ``def`` route, and then the validation of what it returned, in a worker thread
so as not to hold up an event loop that serves other requests. OCA ``fastapi`` gives every call in
progress an event loop of its own (a pool of them), so there is no other request to hold up, and the
hops only cost: a thread handover each way, twice per call, and a thread started for each call
(anyio ties its worker threads to the task that asked for them, here the call's, and stops them
when the call ends). The dependencies of the suite are ``async def`` for the same reason, and the
app-level dependencies OCA ``fastapi`` adds (its ``accept_language``, a plain ``def`` that documents the
header) are run inline too (``inline_dependencies``).
"""

import dataclasses
import functools
import inspect

from fastapi.routing import APIRoute


def runs_inline(endpoint):
    """``endpoint`` as a coroutine function FastAPI awaits in the call's own thread (unchanged if it
    is one already, or a generator, which FastAPI streams)."""
    if (
        getattr(endpoint, "g2p_inline", False)
        or inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return endpoint

    # FastAPI reads the parameters, name and docstring through functools.wraps: the OpenAPI
    # document and the validation of each call are those of ``endpoint``
    @functools.wraps(endpoint)
    async def inline(*args, **kwargs):
        return endpoint(*args, **kwargs)

    inline.g2p_inline = True
    return inline


def inline_routes(routers):
    """``routers``, each route's function made to run inline (``runs_inline``) before an app includes
    them: an app builds its routes from the route functions when it includes a router."""
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                route.endpoint = runs_inline(route.endpoint)
    return routers


def inline_dependencies(dependencies):
    """The app-level ``dependencies`` (``Depends``), each function made to run inline (``runs_inline``):
    same parameters, so the same OpenAPI document and the same validation of each call."""
    return [dataclasses.replace(depends, dependency=runs_inline(depends.dependency)) for depends in dependencies]

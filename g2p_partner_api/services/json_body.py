"""The JSON body of a call, parsed once: by ``G2PApiMiddleware``, repeated members refused, then read by FastAPI.

The middleware parses a JSON body with ``strict_json.loads`` before the app runs (a repeated member is
refused as the app's malformed-body error, naming its path); the routes of the suite's apps read that
parse (``JsonBodyRoute``) instead of parsing the text again, so the check costs the object hook alone.
A body that is not JSON, or not well-formed, is left to FastAPI, which answers it as before.
"""

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request

from . import strict_json
from .request_limits import BodyTooDeep, json_depth_exceeds

PARSED_BODY_KEY = "g2p_parsed_json_body"
REPEATED_MEMBER = "duplicate_member"  # the error type (and REST field code) of a member named twice


def declares_json(headers):
    """Whether FastAPI reads the body as JSON: its media type is JSON, or it declares none at all."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return not content_type or content_type.endswith(("/json", "+json"))


def parse_json_body(scope, headers, body, max_depth):
    """Parse a JSON ``body`` for the route (kept in the request's state): refused when nested deeper than
    ``max_depth`` (before any parsing) or when an object repeats a member."""
    if not body or not declares_json(headers):
        return
    if json_depth_exceeds(body, max_depth):
        raise BodyTooDeep(max_depth)
    try:
        scope.setdefault("state", {})[PARSED_BODY_KEY] = strict_json.loads(body)
    except strict_json.RepeatedMember as exc:
        raise repeated_member_error(exc) from exc
    except (ValueError, RecursionError):
        return  # not well-formed: FastAPI's own parse refuses it in its words


def repeated_member_error(exc):
    """The ``RequestValidationError`` of a body that repeats a member: every app answers it as a body it
    cannot read, naming the member (REST: a 422 problem with its pointer; ingest INVALID_PARAMETERS; DCI
    err.request.bad)."""
    message = f"{exc.name!r} is named more than once in the same object; send each member once."
    return RequestValidationError([{"type": REPEATED_MEMBER, "loc": ("body", *exc.path), "msg": message}])


class JsonBodyRequest(Request):
    """A request whose JSON is the middleware's parse when it made one."""

    async def json(self):
        state = self.scope.get("state") or {}
        if PARSED_BODY_KEY in state:
            return state[PARSED_BODY_KEY]
        return await super().json()


class JsonBodyRoute(APIRoute):
    """FastAPI's documented way to give a route another request class (a route class overriding
    ``get_route_handler``): the body validated and dependencies read ``JsonBodyRequest``."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def json_body_handler(request):
            return await handler(JsonBodyRequest(request.scope, request.receive))

        return json_body_handler


def read_parsed_bodies(routers):
    """``routers``, each plain route switched in place to ``JsonBodyRoute`` before an app includes them (as
    ``inline_routes`` sets their functions: FastAPI builds a route's handler from the route when an app
    includes its router). A route of another class parses the body again: the middleware checked it all the same."""
    for router in routers:
        for route in router.routes:
            if type(route) is APIRoute:
                route.__class__ = JsonBodyRoute
    return routers

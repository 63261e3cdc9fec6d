"""Bounds on what an anonymous caller can make the registry read: body size and JSON nesting.

Both are checked by ``G2PApiMiddleware`` before an app sees the body, so nothing (FastAPI's
``json.loads``, a signature check, a JSONPath) ever works on a body over them. Each app answers
the refusal in its own error shape (413 for size, 400 for depth).
"""

import re
from itertools import accumulate

from starlette.exceptions import HTTPException

from .api_errors import OAUTH_ROUTES

MAX_JSON_DEPTH_PARAM = "g2p_partner_api.max_json_depth"
DEFAULT_MAX_JSON_DEPTH = 64

# a JSON string literal, escapes included; an unterminated one runs to the end of the body, so the
# pattern never fails part-way and re-scans (linear time whatever the body)
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_NESTING_STEP = [0] * 256
for _opening in b"[{":
    _NESTING_STEP[_opening] = 1
for _closing in b"]}":
    _NESTING_STEP[_closing] = -1


class BodyTooLarge(HTTPException):
    """The request body passed the app's limit while it was being read (before any parsing).

    Starlette's RequestBodyLimitMiddleware counts the same way but answers plain text; raised
    from ``receive`` as an HTTPException, this one crosses FastAPI's body parsing unchanged and
    reaches the app's renderer, which answers in the protocol's own error shape.
    """

    def __init__(self, limit):
        super().__init__(status_code=413, detail=f"The request body is larger than {limit} bytes.")
        self.limit = limit


class BodyTooDeep(HTTPException):
    """The JSON body nests arrays and objects deeper than the limit (refused before it is parsed)."""

    def __init__(self, limit):
        super().__init__(status_code=400, detail=f"The JSON body is nested deeper than {limit} levels.")
        self.limit = limit


def json_depth_exceeds(body, limit):
    """Whether the JSON text ``body`` (bytes) nests arrays and objects more than ``limit`` deep.

    No recursion and no parsing: string literals are cut out (brackets inside them do not
    count), then the depth is the highest running sum of openings minus closings. Malformed
    JSON is left for the parser to refuse; only its depth is judged here.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    return max(accumulate(map(_NESTING_STEP.__getitem__, brackets)), default=0) > limit


def max_json_depth(env):
    return int(env["ir.config_parameter"].sudo().get_param(MAX_JSON_DEPTH_PARAM, DEFAULT_MAX_JSON_DEPTH))


def body_limit(param, default):
    """``max_body_bytes(env, path)`` for an app whose bodies are bounded by the system parameter ``param``."""

    def max_body_bytes(env, path):
        return int(env["ir.config_parameter"].sudo().get_param(param, default))

    return max_body_bytes


REST_MAX_BODY_BYTES_PARAM = "g2p_partner_api.max_body_bytes"
DEFAULT_REST_MAX_BODY_BYTES = 1024 * 1024
OAUTH_MAX_BODY_BYTES_PARAM = "g2p_partner_api.oauth_max_body_bytes"
DEFAULT_OAUTH_MAX_BODY_BYTES = 16 * 1024


def rest_max_body_bytes(env, path):
    """REST bodies are bounded by one parameter, the OAuth routes' (a short form) by their own."""
    if path.endswith(OAUTH_ROUTES):
        return body_limit(OAUTH_MAX_BODY_BYTES_PARAM, DEFAULT_OAUTH_MAX_BODY_BYTES)(env, path)
    return body_limit(REST_MAX_BODY_BYTES_PARAM, DEFAULT_REST_MAX_BODY_BYTES)(env, path)


def source_address(scope):
    """The caller's address. Behind the proxy, Odoo's ``proxy_mode`` has already put the address
    the trusted proxy saw (the last X-Forwarded-For hop, one proxy trusted) in REMOTE_ADDR; a
    client cannot choose it by sending X-Forwarded-For itself."""
    client = scope.get("client")
    return client[0] if client else "unknown"

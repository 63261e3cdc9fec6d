"""Query parameters a REST route does not declare are refused, not ignored.

A misspelt parameter (``pagesize=5`` for ``_count``, ``_bogus=1``) would otherwise be dropped
silently and the caller would read an answer to another question. One app-wide dependency
compares the call's query parameters with those its route declares (its own and its
dependencies', e.g. paging) and answers 400 naming each unknown one. The OAuth routes (token, client
secret) are left out: RFC 6749 §3.2 has the authorization server ignore parameters it does not know.
"""

from fastapi import Request

from .api_errors import OAUTH_ROUTES, ApiError
from .problem_details import parameter_error

CACHE_ATTRIBUTE = "_g2p_query_parameters"


def _query_aliases(dependant):
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_aliases(dependency)
    return names


def declared_query_parameters(route):
    """Names (aliases) of the query parameters ``route`` and its dependencies declare, computed once per route."""
    declared = getattr(route, CACHE_ATTRIBUTE, None)
    if declared is None:
        declared = frozenset(_query_aliases(route.dependant))
        setattr(route, CACHE_ATTRIBUTE, declared)
    return declared


async def refuse_unknown_query_parameters(request: Request):
    route = request.scope.get("route")
    if route is None or getattr(route, "path", "").endswith(OAUTH_ROUTES):
        return
    unknown = sorted(set(request.query_params) - declared_query_parameters(route))
    if unknown:
        raise ApiError(
            400,
            "unknown_query_parameter",
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
            errors=[parameter_error(name, "unknown_parameter", "not a parameter of this route") for name in unknown],
        )

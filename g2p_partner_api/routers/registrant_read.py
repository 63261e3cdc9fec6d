"""``GET /{uuid}`` of the registrant resources: read one registrant the client may read (one route, two routers)."""

from typing import Annotated

from fastapi import Depends, Request, Response

from odoo.api import Environment

from ..dependencies import api_env, require_read_scope
from ..schemas.page import Page
from ..schemas.parameters import IfNoneMatch, UuidPath
from ..schemas.registrant_values import is_plain, page_values, to_json
from ..schemas.responses import NOT_FOUND, versioned_responses
from ..services import registry_service as registry
from ..services.call_context import call_context
from ..services.resource_version import read_answer


def json_answer(response, values):
    """``values`` (JSON-ready) as the answer, with the headers set on ``response`` (the route's own): sent as
    the wire models would serialise them, not validated against the route's response model."""
    answer = Response(to_json(values), status_code=response.status_code or 200, media_type="application/json")
    answer.headers.raw.extend(response.headers.raw)
    return answer


def page_answer(response, paging, total, wire_model, to_wire, to_values, client, records, call):
    """The page ``paging`` of a registrant search: ``records`` as ``to_values`` builds them (see ``add_read_route``),
    else as ``to_wire`` does, in a ``Page`` of ``wire_model``."""
    values = to_values(client, records, call) if is_plain(Page) else None
    if values is not None:
        return json_answer(response, page_values(paging, total, values))
    return Page[wire_model].of(paging, total, to_wire(client, records, call))


def add_read_route(router, kind, wire_model, is_group, read_scope, to_wire, summary, to_values=None):
    """Add ``GET /{uuid}`` to ``router``: the registrant (a group when ``is_group``) as ``to_wire(client,
    records, call)`` renders it, with its ETag (304 on If-None-Match); unknown and unreadable alike 404.
    ``to_values(client, records, call)``: the same as JSON-ready values, or None when it cannot (then
    ``to_wire``)."""
    name = f"read_{kind.lower()}"

    @router.get(
        "/{uuid}",
        response_model=wire_model,
        summary=summary,
        responses={**versioned_responses(gone=True), **NOT_FOUND},
        name=name,
    )
    def read_registrant(
        uuid: UuidPath,
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_read_scope(read_scope))],
        if_none_match: IfNoneMatch = None,
    ):
        record = registry.get_registrant(env, client, uuid, is_group, read_scope, fields=wire_model.fetch_fields())
        call = call_context(request)
        values = to_values(client, record, call) if to_values is not None else None
        if values is None:
            return read_answer(response, to_wire(client, record, call)[0], if_none_match)
        answer = read_answer(response, values[0], if_none_match)
        return answer if isinstance(answer, Response) else json_answer(response, answer)

    read_registrant.__name__ = name
    return read_registrant

"""``GET /{uuid}`` of the registrant resources: read one registrant the client may read (one route, two routers)."""

from typing import Annotated

from fastapi import Depends, Request, Response

from odoo.api import Environment

from ..dependencies import api_env, require_read_scope
from ..schemas.parameters import IfNoneMatch, UuidPath
from ..schemas.responses import NOT_FOUND, versioned_responses
from ..services import registry_service as registry
from ..services.call_context import call_context
from ..services.resource_version import read_answer


def add_read_route(router, kind, wire_model, is_group, read_scope, to_wire, summary):
    """Add ``GET /{uuid}`` to ``router``: the registrant (a group when ``is_group``) as ``to_wire(client,
    records, call)`` renders it, with its ETag (304 on If-None-Match); unknown and unreadable alike 404."""
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
        return read_answer(response, to_wire(client, record, call_context(request))[0], if_none_match)

    read_registrant.__name__ = name
    return read_registrant

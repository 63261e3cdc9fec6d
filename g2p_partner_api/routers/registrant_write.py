"""``PUT`` and ``PATCH /{uuid}`` of the registrant resources: replace or change some fields (one route, two routers)."""

from typing import Annotated

from fastapi import Depends, Request, Response

from odoo.api import Environment

from ..dependencies import IfMatch, api_env, require_scope
from ..schemas.parameters import UuidPath
from ..schemas.responses import CONFLICT, NOT_FOUND, versioned_responses
from ..services import registrant_writer
from ..services import registry_service as registry
from ..services.call_context import call_context
from ..services.resource_version import check_read_only


def add_write_route(
    router,
    method,
    kind,
    wire_model,
    body_model,
    write_scope,
    for_write,
    written,
    to_wire,
    vals,
    summary,
    *,
    read_only=True,
):
    """Add ``PUT`` (``method="put"``: every field of the body counts as sent) or ``PATCH`` (only the fields
    sent) ``/{uuid}`` to ``router``: ``for_write(env, client, uuid, if_match)`` finds the registrant,
    ``vals(env, client, record, body, fields, request)`` gives its ORM values, ``written(response, client,
    record, call)`` answers it with its ETag and tells the call what the answer discloses. ``read_only``: the
    read-only fields sent are checked against the registrant as ``to_wire(client, records)`` renders it."""
    name = f"{'replace' if method == 'put' else 'patch'}_{kind.lower()}"

    @router.api_route(
        "/{uuid}",
        methods=[method.upper()],
        response_model=wire_model,
        summary=summary,
        responses={**versioned_responses(gone=True, write=True), **NOT_FOUND, **CONFLICT},
        name=name,
    )
    def write_registrant(
        uuid: UuidPath,
        body: body_model,
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_scope(write_scope))],
        if_match: IfMatch,
    ):
        record = for_write(env, client, uuid, if_match)
        if read_only:
            check_read_only(body, to_wire(client, record)[0])
        fields = registry.full_replacement(body) if method == "put" else body.model_fields_set
        registrant_writer.save(env, record, vals(env, client, record, body, fields, request))
        return written(response, client, record, call_context(request))

    write_registrant.__name__ = name
    return write_registrant

"""``DELETE /{uuid}`` of the registrant resources: archive, never unlink (one route, two routers)."""

from typing import Annotated

from fastapi import Depends, Request, Response

from odoo.api import Environment

from ..dependencies import ArchiveReason, IfMatch, api_env, require_scope
from ..schemas.parameters import UuidPath
from ..schemas.responses import NOT_FOUND, versioned_responses
from ..services.call_context import call_context


def add_archive_route(router, kind, wire_model, write_scope, for_write, written):
    """Add ``DELETE /{uuid}`` to ``router``: ``for_write(env, client, uuid, if_match)`` finds the
    registrant (404/403/410/412), ``written(response, client, record, call)`` answers it with its ETag and
    tells the call what the answer discloses."""

    @router.delete(
        "/{uuid}",
        response_model=wire_model,
        responses={**versioned_responses(gone=True, write=True), **NOT_FOUND},
        name=f"archive_{kind.split()[-1].lower()}",
        summary=f"Archive {kind.lower()} (never deleted); answers it as archived",
        description='Needs a reason, in the body ({"reason": ...}) or the X-Reason header (422 without). '
        "Reads of it then answer 410 Gone; searches list it only with include_archived=true.",
    )
    def archive(
        uuid: UuidPath,
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_scope(write_scope))],
        if_match: IfMatch,
        reason: ArchiveReason,
    ):
        registrant = for_write(env, client, uuid, if_match)
        registrant._archive_registrant(reason)
        return written(response, client, registrant, call_context(request))

    archive.__name__ = f"archive_{kind.split()[-1].lower()}"
    return archive

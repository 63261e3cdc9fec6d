"""``POST /$lookup`` of the registrant resources: up to 1,000 identifiers in one call (one route, two routers)."""

from typing import Annotated

from fastapi import Depends, Request, Response

from odoo.api import Environment

from ..dependencies import api_env, require_read_scope
from ..schemas.base import trusted
from ..schemas.lookup import LookupRequest
from ..schemas.registrant_values import is_plain, to_json
from ..schemas.responses import ErrorBody
from ..services.call_context import call_context
from ..services.registrant_lookup import LOOKUP_LIMIT, lookup


def add_lookup_route(router, kind, wire_model, answer_model, item_model, read_scope, to_wire, to_values=None):
    """Add ``POST /$lookup`` to ``router``: ``to_wire(client, registrants, call)`` renders what is found
    under the member of ``item_model`` named after ``kind`` (``individual``, ``group``), and tells the
    call whose data the answer carries; ``to_values`` (same arguments) renders them as JSON-ready values,
    or answers None when it cannot (then ``to_wire``)."""
    member = kind.lower()
    is_group = kind == "Group"

    @router.post(
        "/$lookup",
        response_model=answer_model,
        responses={400: {"model": ErrorBody, "description": f"More than {LOOKUP_LIMIT:,} identifiers"}},
        summary=f"Look up {kind.lower()}s by identifier, up to {LOOKUP_LIMIT:,} at once",
        # one route function for two resources: each gets its own operationId (lookupIndividuals, lookupGroups)
        name=f"lookup_{kind.lower()}s",
        description=f"Answers each identifier in the order sent: found with the {member}, or not_found (also "
        "when this client may not read it, or it is archived). More than "
        f"{LOOKUP_LIMIT:,} identifiers is a 400 too_many_identifiers; an unknown system a 422.",
    )
    def lookup_registrants(
        body: LookupRequest,
        request: Request,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_read_scope(read_scope))],
    ):
        found = lookup(env, client, read_scope, is_group, body.identifiers, wire_model.fetch_fields())
        partners = env["res.partner"].union(*filter(None, found))
        call = call_context(request)
        values = None
        if to_values is not None and is_plain(answer_model, item_model):
            values = to_values(client, partners, call)
        if values is not None:
            wire = dict(zip(partners.ids, values, strict=True))
            items = [
                {
                    "system": identifier.system,
                    "value": identifier.value,
                    "status": "found" if partner else "not_found",
                    member: wire[partner.id] if partner else None,
                }
                for identifier, partner in zip(body.identifiers, found, strict=True)
            ]
            return Response(to_json({"items": items}), media_type="application/json")
        wire = dict(zip(partners.ids, to_wire(client, partners, call), strict=True))
        answer = trusted(
            answer_model,
            items=[
                trusted(
                    item_model,
                    system=identifier.system,
                    value=identifier.value,
                    status="found" if partner else "not_found",
                    **{member: wire[partner.id] if partner else None},
                )
                for identifier, partner in zip(body.identifiers, found, strict=True)
            ],
        )
        # built of the wire models themselves: sent as they serialise, not validated a second time against
        # response_model (with 1,000 items that second pass cost as much as building them)
        return Response(answer.model_dump_json(), media_type="application/json")

    lookup_registrants.__name__ = f"lookup_{member}s"
    return lookup_registrants

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from odoo.api import Environment

from ..dependencies import IfMatch, Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.base import optional_body
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import IfNoneMatch, UuidPath
from ..schemas.program import (
    ExitRequest,
    MembershipState,
    ProgramMembership,
    ProgramMembershipCreate,
    ProgramMembershipUpdate,
)
from ..schemas.responses import CALL_ERRORS, CONFLICT, NOT_FOUND, versioned_responses
from ..services import registry_service as registry
from ..services.call_context import WRITE_ANSWER, call_context
from ..services.paging import MEMBERSHIP_SORTS
from ..services.problem_details import body_error
from ..services.registry_errors import Invalid
from ..services.resource_version import check_if_match, check_read_only, read_answer, with_etag, with_location
from .route_signature import without_parameters

router = APIRouter(prefix="/ProgramMembership", tags=["ProgramMembership"], responses=CALL_ERRORS)

READ = "membership:read"
WRITE = "membership:write"
# a membership named by uuid (404) whose state may not allow the change (409)
WRITE_RESPONSES = {**versioned_responses(write=True), **NOT_FOUND, **CONFLICT}


def _visible_domain(client, scope):
    """Memberships of allowed programmes whose registrant the client may read."""
    program_ids = client.env["g2p.program"].search(client._program_domain()).ids
    return [
        ("program_id", "in", program_ids),
        ("partner_id", "any", client._readable_registrant_domain(scope) or [("id", "!=", False)]),
    ]


def _get(env, client, uuid, scope):
    membership = env["g2p.program.membership"].search([("uuid", "=", uuid)] + _visible_domain(client, scope), limit=1)
    if not membership:
        # a membership of a programme the client may not see is not found, not forbidden: no existence leak
        raise registry.not_found("ProgramMembership", uuid)
    return membership


def _for_write(env, client, uuid, if_match):
    membership = _get(env, client, uuid, WRITE)
    check_if_match(if_match, lambda: ProgramMembership.from_record(membership))
    return membership


def _to_wire(request, memberships):
    """The memberships a read answers; each tells the registrant's programme and state: their data leaves."""
    call_context(request).disclose(memberships.partner_id, READ)
    return [ProgramMembership.from_record(m) for m in memberships]


def _written(request, response, membership):
    # the answer tells the registrant's programme and state as written
    call_context(request).disclose(membership.partner_id, WRITE, WRITE_ANSWER)
    return with_etag(response, ProgramMembership.from_record(registry.flush_and_reread(membership)))


@router.get(
    "",
    response_model=Page[ProgramMembership],
    summary="Search programme memberships",
    name="search_program_memberships",
    responses=PAGE_RESPONSES,
)
def search_memberships(
    request: Request,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging("ProgramMembership", MEMBERSHIP_SORTS))],
    program: str | None = None,
    registrant: str | None = None,
    state: MembershipState | None = None,
) -> Page[ProgramMembership]:
    domain = _visible_domain(client, READ)
    if program:
        domain.append(("program_id.uuid", "=", program))
    if registrant:
        domain.append(("partner_id.uuid", "=", registrant))
    if state:
        domain.append(("state", "=", state))
    total, records = registry.search_visible(env["g2p.program.membership"], client, READ, domain, page)
    return Page[ProgramMembership].of(page, total, _to_wire(request, records))


@router.get(
    "/{uuid}",
    response_model=ProgramMembership,
    summary="Read a programme membership",
    responses={**versioned_responses(), **NOT_FOUND},
    name="read_program_membership",
)
def read_membership(
    uuid: UuidPath,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    if_none_match: IfNoneMatch = None,
) -> ProgramMembership:
    return read_answer(response, _to_wire(request, _get(env, client, uuid, READ))[0], if_none_match)


@router.post(
    "",
    response_model=ProgramMembership,
    status_code=status.HTTP_201_CREATED,
    summary="Add a registrant to a programme (draft, or enrolled with enrol=true)",
    # the programme named in the body may be unknown (404); the registrant may already be a member (409)
    responses={**versioned_responses(201), **NOT_FOUND, **CONFLICT},
    name="create_program_membership",
)
def create_membership(
    body: ProgramMembershipCreate,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> ProgramMembership:
    program = env["g2p.program"].search([("uuid", "=", body.program)], limit=1)
    registry.check_program_allowed(client, program, body.program)
    partner = env["res.partner"].search([("uuid", "=", body.registrant), ("is_registrant", "=", True)], limit=1)
    # a registrant without consent is answered as an unknown one: the answer tells nothing about who exists
    if not client._filter_readable_registrants(partner, WRITE):
        raise Invalid(
            f"registrant: unknown registrant {body.registrant}.",
            errors=[body_error("registrant", "unknown_registrant", "unknown registrant")],
        )
    registry.check_target_type(program, partner)
    membership = env["g2p.program.membership"].create({"program_id": program.id, "partner_id": partner.id})
    if body.enrol:
        membership.action_enroll()
    return with_location(request, response, _written(request, response, membership))


def add_transition_route(action, state, summary, reason=None):
    """Add ``POST /{uuid}/<action>`` that moves a membership to ``state``; ``reason``: the model of the
    optional body whose ``reason`` is recorded with the move (no body without it)."""
    name = f"{action}_program_membership"

    def transition(
        uuid: UuidPath,
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_scope(WRITE))],
        if_match: IfMatch,
        body: optional_body(reason) = None,
    ) -> ProgramMembership:
        membership = _for_write(env, client, uuid, if_match)
        registry.transition_membership(membership, state, body.reason if body else None)
        return _written(request, response, membership)

    transition.__name__ = name
    return router.post(
        f"/{{uuid}}/{action}", response_model=ProgramMembership, summary=summary, responses=WRITE_RESPONSES, name=name
    )(transition if reason else without_parameters(transition, "body"))


enrol = add_transition_route("enrol", "enrolled", "Enrol (from draft or paused)")
pause = add_transition_route("pause", "paused", "Pause an enrolment")
exit_program = add_transition_route("exit", "exited", "Exit the programme", reason=ExitRequest)


@router.put(
    "/{uuid}",
    response_model=ProgramMembership,
    summary="Move a membership to a state",
    responses=WRITE_RESPONSES,
    name="replace_program_membership",
)
@router.patch(
    "/{uuid}",
    response_model=ProgramMembership,
    summary="Move a membership to a state",
    responses=WRITE_RESPONSES,
    name="patch_program_membership",
)
def update_membership(
    uuid: UuidPath,
    body: ProgramMembershipUpdate,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    if_match: IfMatch,
) -> ProgramMembership:
    membership = _for_write(env, client, uuid, if_match)
    check_read_only(body, ProgramMembership.from_record(membership))
    if body.state and body.state != membership.state:
        registry.transition_membership(membership, body.state, body.exit_reason)
    elif "exit_reason" in body.model_fields_set:
        membership.exit_reason = body.exit_reason
    return _written(request, response, membership)

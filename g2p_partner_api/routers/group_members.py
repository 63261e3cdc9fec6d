from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from odoo.api import Environment

from ..dependencies import IfMatch, Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.group import Group
from ..schemas.group_membership import GroupMemberAdd, MembershipEnd, MembershipPeriod
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import UUID_PATTERN, UuidPath
from ..schemas.responses import CALL_ERRORS, CONFLICT, GONE_RESPONSE, NOT_FOUND, versioned_responses
from ..services import group_members
from ..services import registry_service as registry
from ..services.call_context import call_context
from ..services.paging import sort_orders
from ..services.resource_version import check_if_match
from .group import _to_wire, _written

router = APIRouter(prefix="/Group", tags=["Group"], responses=CALL_ERRORS)

# the group (404, 410), the member (404 on /end), a membership already there or already ended (409)
CHANGE_RESPONSES = {**versioned_responses(gone=True, write=True), **NOT_FOUND, **CONFLICT}
# registration order of the memberships (start dates may be empty: no keyset on them)
HISTORY_SORTS = sort_orders()

MemberPath = Annotated[str, Path(pattern=UUID_PATTERN, description="uuid of the member (an individual)")]


def _for_change(env, client, uuid, if_match):
    group = group_members.usable_group(env, client, uuid, registry.GROUP_WRITE)
    check_if_match(if_match, lambda: _to_wire(client, group)[0])
    return group


@router.post(
    "/{uuid}/members",
    response_model=Group,
    summary="Add one member to a group (a registered individual, or a new one registered with it)",
    description="The group's other memberships are left as they are. Answers the group with its new ETag; "
    "subscribers get group.updated with the change (data.changes).",
    responses=CHANGE_RESPONSES,
    name="add_group_member",
)
def add_group_member(
    uuid: UuidPath,
    body: GroupMemberAdd,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(registry.GROUP_WRITE))],
    if_match: IfMatch,
) -> Group:
    group = _for_change(env, client, uuid, if_match)
    group_members.add_member(env, client, call_context(request).scopes, group, body)
    return _written(response, client, group)


@router.post(
    "/{uuid}/members/{individual}/end",
    response_model=Group,
    summary="End one membership of a group (the person stays registered)",
    description="Answers the group with its new ETag; subscribers get group.updated with the change (data.changes).",
    responses=CHANGE_RESPONSES,
    name="end_group_membership",
)
def end_group_membership(
    uuid: UuidPath,
    individual: MemberPath,
    body: MembershipEnd,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(registry.GROUP_WRITE))],
    if_match: IfMatch,
) -> Group:
    group = _for_change(env, client, uuid, if_match)
    group_members.end_membership(env, client, group, individual, body)
    return _written(response, client, group)


@router.get(
    "/{uuid}/membership-history",
    response_model=Page[MembershipPeriod],
    summary="Every membership of a group, ended ones included, with its period and roles",
    responses={**PAGE_RESPONSES, **NOT_FOUND, 410: GONE_RESPONSE},
    name="list_group_membership_history",
)
def list_group_membership_history(
    uuid: UuidPath,
    request: Request,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(registry.GROUP_READ))],
    page: Annotated[Paging, Depends(paging("GroupMembership", HISTORY_SORTS))],
) -> Page[MembershipPeriod]:
    group = group_members.usable_group(env, client, uuid, registry.GROUP_READ)
    domain = group_members.history_domain(client, group, registry.GROUP_READ)
    total, records = registry.search_visible(env["g2p.group.membership"], client, registry.GROUP_READ, domain, page)
    # each period names its member (uuid, name, roles): the members' data leaves, not the group's
    call_context(request).disclose(records.individual_id, registry.GROUP_READ)
    return Page[MembershipPeriod].of(page, total, [MembershipPeriod.from_record(m) for m in records])

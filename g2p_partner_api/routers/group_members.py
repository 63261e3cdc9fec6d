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
from .route_signature import without_parameters

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


def add_membership_change_route(path, name, summary, description, body_model, change):
    """Add ``POST /{uuid}<path>``: one change to a group's memberships, answered with the group and its new
    ETag. ``change(env, client, scopes, group, body, individual)`` makes it; ``individual`` is the member
    named in the path (``{individual}``), ``None`` when the path names none."""

    def change_membership(
        uuid: UuidPath,
        individual: MemberPath,
        body: body_model,
        request: Request,
        response: Response,
        env: Annotated[Environment, Depends(api_env)],
        client: Annotated[object, Depends(require_scope(registry.GROUP_WRITE))],
        if_match: IfMatch,
    ) -> Group:
        group = _for_change(env, client, uuid, if_match)
        change(env, client, call_context(request).scopes, group, body, individual)
        return _written(response, client, group, call_context(request))

    change_membership.__name__ = name
    if "{individual}" not in path:
        change_membership = without_parameters(change_membership, "individual")
    return router.post(
        f"/{{uuid}}{path}",
        response_model=Group,
        summary=summary,
        description=description,
        responses=CHANGE_RESPONSES,
        name=name,
    )(change_membership)


add_group_member = add_membership_change_route(
    "/members",
    "add_group_member",
    "Add one member to a group (a registered individual, or a new one registered with it)",
    "The group's other memberships are left as they are. Answers the group with its new ETag; "
    "subscribers get group.updated with the change (data.changes). Nobody is made the group's head this way: "
    "the head of an existing household is set by registry staff (or by an ingested household, once reviewed), "
    "so the kind head is refused (422 head_set_by_registry at /kinds), whatever the household holds.",
    GroupMemberAdd,
    lambda env, client, scopes, group, body, individual: group_members.add_member(env, client, scopes, group, body),
)
end_group_membership = add_membership_change_route(
    "/members/{individual}/end",
    "end_group_membership",
    "End one membership of a group (the person stays registered)",
    "Answers the group with its new ETag; subscribers get group.updated with the change (data.changes).",
    MembershipEnd,
    lambda env, client, scopes, group, body, individual: group_members.end_membership(
        env, client, group, individual, body
    ),
)


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

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from odoo.api import Environment

from ..dependencies import Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.common import ERROR_RESPONSES, Page, UuidPath
from ..schemas.group import Group, GroupPatch, GroupWrite
from ..services import registry_service as registry

router = APIRouter(prefix="/Group", tags=["Group"], responses=ERROR_RESPONSES)

READ = registry.GROUP_READ
WRITE = registry.GROUP_WRITE


def _to_wire(client, groups):
    """Members the client may not read (no consent) are left out of ``members``; one
    consent query for the whole page."""
    Group.prefetch(groups)
    visible = registry.visible_members(client, groups, READ)
    return [Group.from_record(group, visible) for group in groups]


@router.get("", response_model=Page[Group], summary="Search groups")
def search_groups(
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging)],
    identifier: Annotated[str | None, Query(description="<system>|<value>", max_length=400)] = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
) -> Page[Group]:
    total, records = registry.search_visible(
        env["res.partner"], client, READ, registry.registrant_domain(True, identifier, name), page,
        fields=Group.fetch_fields(),
    )
    return Page[Group](total=total, page=page.page, page_size=page.page_size, items=_to_wire(client, records))


@router.get("/{uuid}", response_model=Group, summary="Read a group and its members")
def read_group(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
) -> Group:
    return _to_wire(client, registry.get_registrant(env, client, uuid, True, READ, fields=Group.fetch_fields()))[0]


@router.post("", response_model=Group, status_code=status.HTTP_201_CREATED, summary="Register a group with its members")
def create_group(
    body: GroupWrite,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Group:
    vals = registry.group_vals(env, client, None, body, registry.full_replacement(body))
    group = env["res.partner"].create(dict(vals, is_registrant=True, is_group=True, is_company=True))
    return _to_wire(client, group)[0]


@router.put("/{uuid}", response_model=Group, summary="Replace a group (members included)")
def replace_group(
    uuid: UuidPath,
    body: GroupWrite,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Group:
    group = registry.get_registrant(env, client, uuid, True, WRITE)
    group.write(registry.group_vals(env, client, group, body, registry.full_replacement(body)))
    return _to_wire(client, group)[0]


@router.patch("/{uuid}", response_model=Group, summary="Change some fields of a group")
def patch_group(
    uuid: UuidPath,
    body: GroupPatch,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Group:
    group = registry.get_registrant(env, client, uuid, True, WRITE)
    group.write(registry.group_vals(env, client, group, body, body.model_fields_set))
    return _to_wire(client, group)[0]

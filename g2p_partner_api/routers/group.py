from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from odoo.api import Environment

from ..dependencies import IfMatch, Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.common import (
    CALL_ERRORS,
    CONFLICT,
    NOT_FOUND,
    IncludeArchived,
    Page,
    UuidPath,
    versioned_responses,
)
from ..schemas.group import Group, GroupPatch, GroupWrite
from ..services import registrant_writer
from ..services import registry_service as registry
from ..services.resource_version import with_etag, with_location
from .archive import add_archive_route

router = APIRouter(prefix="/Group", tags=["Group"], responses=CALL_ERRORS)

READ = registry.GROUP_READ
WRITE = registry.GROUP_WRITE


def _to_wire(client, groups):
    """Members the client may not read (no consent) are left out of ``members``; one
    consent query for the whole page."""
    Group.prefetch(groups)
    visible = registry.visible_members(client, groups, READ)
    return [Group.from_record(group, visible) for group in groups]


def _for_write(env, client, uuid, if_match):
    return registry.registrant_for_write(env, client, uuid, True, WRITE, if_match, _to_wire)


def _written(response, client, group):
    return with_etag(response, _to_wire(client, registry.reloaded(group))[0])


@router.get("", response_model=Page[Group], summary="Search groups")
def search_groups(
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging)],
    identifier: Annotated[str | None, Query(description="<system>|<value>", max_length=400)] = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    include_archived: IncludeArchived = False,
) -> Page[Group]:
    total, records = registry.search_visible(
        env["res.partner"],
        client,
        READ,
        registry.registrant_domain(True, identifier, name),
        page,
        fields=Group.fetch_fields(),
        include_archived=include_archived,
    )
    return Page[Group](total=total, page=page.page, page_size=page.page_size, items=_to_wire(client, records))


@router.get(
    "/{uuid}",
    response_model=Group,
    summary="Read a group and its members",
    responses={**versioned_responses(gone=True), **NOT_FOUND},
)
def read_group(
    uuid: UuidPath,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
) -> Group:
    group = registry.get_registrant(env, client, uuid, True, READ, fields=Group.fetch_fields())
    return with_etag(response, _to_wire(client, group)[0])


@router.post(
    "",
    response_model=Group,
    status_code=status.HTTP_201_CREATED,
    summary="Register a group with its members",
    responses={**versioned_responses(201), **CONFLICT},
)
def create_group(
    body: GroupWrite,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Group:
    vals = registry.group_vals(env, client, None, body, registry.full_replacement(body))
    group = registrant_writer.save(env, None, vals, is_group=True)
    return with_location(request, response, _written(response, client, group))


@router.put(
    "/{uuid}",
    response_model=Group,
    summary="Replace a group (members included)",
    responses={**versioned_responses(gone=True, write=True), **NOT_FOUND, **CONFLICT},
)
def replace_group(
    uuid: UuidPath,
    body: GroupWrite,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    if_match: IfMatch,
) -> Group:
    group = _for_write(env, client, uuid, if_match)
    registrant_writer.save(env, group, registry.group_vals(env, client, group, body, registry.full_replacement(body)))
    return _written(response, client, group)


@router.patch(
    "/{uuid}",
    response_model=Group,
    summary="Change some fields of a group",
    responses={**versioned_responses(gone=True, write=True), **NOT_FOUND, **CONFLICT},
)
def patch_group(
    uuid: UuidPath,
    body: GroupPatch,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    if_match: IfMatch,
) -> Group:
    group = _for_write(env, client, uuid, if_match)
    registrant_writer.save(env, group, registry.group_vals(env, client, group, body, body.model_fields_set))
    return _written(response, client, group)


archive = add_archive_route(router, "a Group", Group, WRITE, _for_write, _written)

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from odoo.api import Environment

from ..dependencies import Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.base import assembled
from ..schemas.group import Group, GroupCreate, GroupPatch, GroupWrite
from ..schemas.lookup import GroupLookup, GroupLookupItem
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import IncludeArchived
from ..schemas.registrant_values import group_values, is_plain, values_of
from ..schemas.responses import CALL_ERRORS, CONFLICT, versioned_responses
from ..services import registrant_writer
from ..services import registry_service as registry
from ..services.call_context import WRITE_ANSWER, call_context
from ..services.paging import REGISTRANT_SORTS
from ..services.resource_version import check_read_only, with_etag, with_location
from .archive import add_archive_route
from .change_feed import ChangePage, ChangeStart, changes_page
from .lookup import add_lookup_route
from .registrant_read import add_read_route, page_answer
from .registrant_write import add_write_route

router = APIRouter(prefix="/Group", tags=["Group"], responses=CALL_ERRORS)

READ = registry.GROUP_READ
WRITE = registry.GROUP_WRITE


def _visible_members(client, groups, call, written=False):
    """Loads what the wire form of ``groups`` reads; returns their members the client may read (record rules
    and consent: ``registry_service.members_search``, read by the prefetch's statement). ``call``: the
    ``CallContext`` of the call, told that the answer carries the groups' data and their shown members' (names,
    roles): one disclosure each. ``written``: the answer to a
    write, which shows the group as written (read under the write scope) and members the writer may not
    have sent."""
    visible = registry.prefetch_named(client, Group, groups, READ, of_groups=True)
    if call is not None and written:
        call.disclose(groups, WRITE, WRITE_ANSWER)
        call.disclose(visible, READ, WRITE_ANSWER)
    elif call is not None:
        call.disclose(groups | visible, READ)
    return visible


def _to_wire(client, groups, call=None, written=False):
    """Members the client may not read (no consent) are left out of ``members``."""
    visible = _visible_members(client, groups, call, written)
    render = assembled(Group).from_record
    return [render(group, visible) for group in groups]


def _to_values(client, groups, call=None):
    """What ``_to_wire`` answers, as JSON-ready values built from the cache; None, and nothing done, when an
    addon extends the wire models (then ``_to_wire``)."""
    if not is_plain():
        return None
    visible = _visible_members(client, groups, call)
    render = assembled(Group).from_record
    return values_of(groups, lambda g: group_values(g, visible), lambda g: render(g, visible))


def _for_write(env, client, uuid, if_match):
    return registry.registrant_for_write(env, client, uuid, True, WRITE, if_match, _to_wire)


def _written(response, client, group, call):
    return with_etag(response, _to_wire(client, registry.flush_and_reread(group), call, written=True)[0])


@router.get(
    "",
    response_model=Page[Group] | ChangePage[Group],
    summary="Search groups, or pull their changes",
    responses=PAGE_RESPONSES,
)
def search_groups(
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging("Group", REGISTRANT_SORTS))],
    identifier: Annotated[str | None, Query(description="<system>|<value>", max_length=400)] = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    include_archived: IncludeArchived = False,
    changes: ChangeStart = None,
) -> Page[Group] | ChangePage[Group]:
    if changes:
        return changes_page(env, client, READ, True, request, page, changes, _to_wire, Group)
    total, records = registry.search_visible(
        env["res.partner"],
        client,
        READ,
        registry.registrant_domain(True, identifier, name, env=env),
        page,
        fields=Group.fetch_fields(),
        include_archived=include_archived,
    )
    return page_answer(response, page, total, Group, _to_wire, _to_values, client, records, call_context(request))


read_group = add_read_route(
    router, "Group", Group, True, READ, _to_wire, "Read a group and its members", to_values=_to_values
)


@router.post(
    "",
    response_model=Group,
    status_code=status.HTTP_201_CREATED,
    summary="Register a group with its members",
    responses={**versioned_responses(201), **CONFLICT},
)
def create_group(
    body: GroupCreate,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Group:
    check_read_only(body)
    scopes = call_context(request).scopes
    vals = registry.group_vals(env, client, None, body, registry.full_replacement(body), scopes)
    client._check_registration_consent(getattr(body, "consent", None))
    group = registrant_writer.save(env, None, vals, is_group=True)
    client._record_registration_consent(group, getattr(body, "consent", None))
    return with_location(request, response, _written(response, client, group, call_context(request)))


def _vals(env, client, group, body, fields, request):
    return registry.group_vals(env, client, group, body, fields, call_context(request).scopes)


replace = add_write_route(
    router,
    "put",
    "Group",
    Group,
    GroupWrite,
    WRITE,
    _for_write,
    _written,
    _to_wire,
    _vals,
    "Replace a group (members included)",
)
patch = add_write_route(
    router,
    "patch",
    "Group",
    Group,
    GroupPatch,
    WRITE,
    _for_write,
    _written,
    _to_wire,
    _vals,
    "Change some fields of a group",
)
archive = add_archive_route(router, "a Group", Group, WRITE, _for_write, _written)
lookup = add_lookup_route(router, "Group", Group, GroupLookup, GroupLookupItem, READ, _to_wire, to_values=_to_values)

"""The change feed answer of the registrant searches (``GET /Individual?since=``, ``GET /Group?since=``)."""

from typing import Annotated

from fastapi import Depends, Query

from ..schemas.base import utc_iso
from ..schemas.change_feed import (
    LAST_UPDATED_DOC,
    SINCE_DOC,
    ChangeLinks,
    ChangePage,
    Tombstone,
    TombstoneMeta,
)
from ..services import change_feed
from ..services.call_context import call_context

SEARCH_ONLY = ("identifier", "name", "birthdate", "include_archived")


async def change_start(
    since: Annotated[str | None, Query(max_length=4096, description=SINCE_DOC)] = None,
    last_updated: Annotated[
        str | None, Query(alias="_lastUpdated", max_length=64, description=LAST_UPDATED_DOC)
    ] = None,
):
    """(since, _lastUpdated) when the call asks for the change feed, else None (a search)."""
    return None if since is None and last_updated is None else (since, last_updated)


ChangeStart = Annotated[tuple | None, Depends(change_start)]


def changes_page(env, client, scope, is_group, request, page, start, to_wire, wire_model):
    """The page of changes after ``start`` (a ``since`` token, 0, or a ``_lastUpdated`` start) as a
    ``ChangePage``; ``to_wire(client, registrants, call)`` renders the registrants that are not archived
    and tells the call whose data the page carries (a tombstone carries none)."""
    since, last_updated = start
    for name in SEARCH_ONLY:
        if request.query_params.get(name) is not None:
            raise change_feed.refused(name, "a search filter: the change feed (since, _lastUpdated) takes none")
    if page.page != 1:
        raise change_feed.refused("_page", "the change feed pages with next_since, not _page")
    kind = wire_model.__name__
    cursor = change_feed.start(env, kind, since, last_updated)
    ids, following, more = change_feed.next_page(env, client, scope, is_group, cursor, page.page_size)
    partners = env["res.partner"].with_context(active_test=False).browse(ids)
    live = partners.filtered("active")
    rendered = dict(zip(live.ids, to_wire(client, live.with_env(env), call_context(request)), strict=True))
    items = [
        rendered.get(partner.id)
        or Tombstone(uuid=partner.uuid, meta=TombstoneMeta(archived_at=utc_iso(partner.archived_at)))
        for partner in partners
    ]
    token = change_feed.encode(env, following)
    next_url = request.url.remove_query_params(["since", "_lastUpdated", "_page"]).include_query_params(since=token)
    return ChangePage[wire_model](items=items, next_since=token, has_more=more, links=ChangeLinks(next=str(next_url)))

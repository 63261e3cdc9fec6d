from typing import Generic, Literal, TypeVar

from extendable_pydantic import StrictExtendableBaseModel
from pydantic import Field

T = TypeVar("T")

SINCE_DOC = (
    "Pull the changes instead of searching: 0 for the whole change log, then the next_since of the previous "
    "page. Each page lists the registrants changed since, in change order (each once per page, as they are "
    "now); archived ones as tombstones. Cannot be combined with the search filters or _page."
)
LAST_UPDATED_DOC = (
    "Start the change feed at a time instead of since=0: gt<date-time>, the changes written after it "
    "(then follow next_since). The date-time is RFC 3339's, with its offset or Z (gt2026-12-01T00:00:00Z, "
    "gt2026-12-01T08:00:00+02:00): one without, or a bare date, is refused (422) rather than read in a zone "
    "it does not name"
)


class TombstoneMeta(StrictExtendableBaseModel):
    archived_at: str | None = Field(default=None, description="When it was archived, UTC")


class Tombstone(StrictExtendableBaseModel):
    """An archived registrant in the change feed: its uuid only, no personal data."""

    uuid: str
    deleted: Literal[True] = True
    meta: TombstoneMeta


class ChangeLinks(StrictExtendableBaseModel):
    next: str = Field(description="URL of the next page (the same call with since=next_since)")


class ChangePage(StrictExtendableBaseModel, Generic[T]):
    """A page of the change feed."""

    items: list[T | Tombstone] = Field(
        description="Changed registrants this client may read, in change order; archived ones as tombstones"
    )
    next_since: str = Field(description="Opaque cursor to send as since= for the next page (keep it)")
    has_more: bool = Field(
        description="More changes are already there: ask again now. Else ask again later with next_since"
    )
    links: ChangeLinks

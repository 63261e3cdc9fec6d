"""Path, query and header parameters shared by the REST routes."""

from typing import Annotated

from fastapi import Header, Path, Query

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Every resource is addressed by its uuid; anything else is refused (422) before reaching the database.
UuidPath = Annotated[str, Path(pattern=UUID_PATTERN, description="uuid of the resource")]
IncludeArchived = Annotated[bool, Query(description="List archived registrants too (see archived_at)")]
IfNoneMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description="ETag of the caller's copy: answered 304 Not Modified, without a body, while it is current",
    ),
]
ReasonHeader = Annotated[
    str | None,
    Header(alias="X-Reason", max_length=256, description='Why it is archived (or send {"reason": ...} as the body)'),
]

"""A page of a REST search and its links."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field, model_serializer

from .base import ApiModel
from .responses import ErrorBody

T = TypeVar("T")


PAGE_RESPONSES = {
    200: {
        "headers": {
            "Link": {
                "description": "RFC 8288 links of the page: the same self, next and prev as the body's links",
                "schema": {
                    "type": "string",
                    "example": '</api/v2/Individual?_sort=name>; rel="self", '
                    '</api/v2/Individual?_sort=name&_cursor=gAAAAABn...>; rel="next"',
                },
            }
        }
    },
    400: {"model": ErrorBody, "description": "Unknown _sort, or a _cursor this API did not give"},
}


class PageLinks(BaseModel):
    """Addresses of this page and its neighbours (also in the ``Link`` header, RFC 8288); ``next``
    and ``prev`` are absent on the last and first page."""

    self: str = Field(examples=["/api/v2/Individual?_sort=name"])
    next: str | None = Field(None, examples=["/api/v2/Individual?_sort=name&_cursor=gAAAAABn..."])
    prev: str | None = None

    @model_serializer(mode="wrap")
    def _without_absent(self, handler):
        return {rel: url for rel, url in handler(self).items() if url is not None}


class Page(ApiModel, Generic[T]):
    total: int = Field(description="Number of matching records the caller may see")
    page: int = Field(description="Number of this page, counted from the first along the links followed")
    page_size: int
    items: list[T]
    links: PageLinks = Field(description="Follow next to visit every record once, whatever is added meanwhile")

    @classmethod
    def of(cls, paging, total, items):
        """The page ``paging`` (``services.paging.PageRequest``) answered, ``items`` its records' wire forms."""
        return cls(total=total, page=paging.number, page_size=paging.page_size, items=items, links=paging.links)

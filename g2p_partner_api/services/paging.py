"""Keyset paging of the REST searches: sort orders, opaque cursors and the links between pages.

A page is asked for by ``_cursor`` (the ``next`` / ``prev`` link of the page before) or, as
before, by ``_page`` (an offset). Cursor pages continue from the last (or before the first)
record's sort key and database id, so following ``next`` visits every record exactly once even
while records are added or archived between fetches; an offset page would shift.

The cursor holds a database id (the tiebreak of every order): it is encrypted and
authenticated (Fernet, with a key derived from the database's ``database.secret``), so no id
leaves the system readable and a cursor that was changed, or made for another resource or
order, is refused (400) before any query.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken

from odoo.tools import SQL

from .api_errors import ApiError
from .problem_details import body_error
from .sealed_cursors import cursor_fernet

DEFAULT_SORT = "registered"  # registration order: the database id, oldest first
CURSOR_PARAM = "_cursor"
PAGE_CURSOR = b"g2p page cursor"  # key purpose of the page cursors (sealed_cursors)
PAGE_PARAM = "_page"
SORT_PARAM = "_sort"


@dataclass(frozen=True)
class SortOrder:
    """One ``_sort`` value: ``column`` of the model (then the id), ascending unless ``descending``."""

    name: str
    column: str
    descending: bool = False

    def order(self, backwards=False):
        """ORM ``order`` of this sort, reversed to read the page before a cursor."""
        direction = "DESC" if self.descending != backwards else "ASC"
        if self.column == "id":
            return f"id {direction}"
        return f"{self.column} {direction}, id {direction}"


def sort_orders(*columns):
    """The ``_sort`` values of a resource: the default order, then each column ascending and
    descending (``-name``)."""
    orders = {}
    for name, column in ((DEFAULT_SORT, "id"), *((column, column) for column in columns)):
        orders[name] = SortOrder(name, column)
        orders[f"-{name}"] = SortOrder(f"-{name}", column, True)
    return orders


def bad_query(param, message):
    return ApiError(400, "bad_request", message, errors=[body_error(param, "invalid_value", message)])


def parse_sort(orders, text):
    """The ``SortOrder`` named by ``_sort``; 400 naming the parameter when it is not one of ``orders``."""
    if text is None:
        return orders[DEFAULT_SORT]
    if text not in orders:
        raise bad_query(
            SORT_PARAM, f"_sort: {text!r} is not a sort order of this resource; use one of {', '.join(orders)}."
        )
    return orders[text]


@dataclass(frozen=True)
class Position:
    """Where a cursor page starts: after (or, ``backwards``, before) the record with sort ``value`` and ``id``."""

    resource: str
    sort: str
    value: object
    id: int
    backwards: bool
    page: int

    def encode(self, env):
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        payload = {"r": self.resource, "s": self.sort, "v": value, "i": self.id, "b": self.backwards, "p": self.page}
        return cursor_fernet(env, PAGE_CURSOR).encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode()

    @classmethod
    def decode(cls, env, resource, text):
        """The position a cursor of ``resource`` names; 400 for anything this server did not make."""
        try:
            payload = json.loads(cursor_fernet(env, PAGE_CURSOR).decrypt(text.encode()))
            position = cls(payload["r"], payload["s"], payload["v"], payload["i"], payload["b"], payload["p"])
        except (InvalidToken, ValueError, KeyError, TypeError) as exc:
            raise bad_query(CURSOR_PARAM, "_cursor: not a cursor of this API; follow the links of a page.") from exc
        if position.resource != resource:
            raise bad_query(CURSOR_PARAM, "_cursor: this cursor pages another resource.")
        return position

    def check_sort(self, sort):
        if self.sort != sort.name:
            raise bad_query(
                SORT_PARAM, f"_sort: this cursor pages in the order {self.sort!r}; keep the _sort of its link."
            )


@dataclass
class PageRequest:
    """What page of a search the caller asked for, and the links of the page answered."""

    env: object
    resource: str
    sort: SortOrder
    page: int = 1
    page_size: int = 20
    position: Position | None = None
    request: object = None
    response: object = None
    links: dict = field(default_factory=dict)

    @property
    def offset(self):
        return 0 if self.position else (self.page - 1) * self.page_size

    def keyset(self, model):
        """The SQL condition of a cursor page on ``model``'s table: a row comparison that the sort's
        ``(column, id)`` index answers as a range."""
        table = SQL.identifier(model._table)
        columns = [SQL("%s.%s", table, SQL.identifier(name)) for name in self._key_columns()]
        values = [self.position.id] if self.sort.column == "id" else [self._value(model), self.position.id]
        operator = "<" if self.sort.descending != self.position.backwards else ">"
        return SQL("(%s) %s (%s)", SQL(", ").join(columns), SQL(operator), SQL(", ").join(SQL("%s", v) for v in values))

    def _key_columns(self):
        return ["id"] if self.sort.column == "id" else [self.sort.column, "id"]

    def _value(self, model):
        value, kind = self.position.value, model._fields[self.sort.column].type
        try:
            if kind == "datetime":
                return datetime.fromisoformat(value)
            if kind == "date":
                return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise bad_query(CURSOR_PARAM, "_cursor: not a cursor of this API; follow the links of a page.") from exc
        return value

    def window(self, records, more):
        """The page among ``records`` (in reading order, one more than a page when ``more``),
        put back in the sort's order, with the links to its neighbours."""
        backwards = bool(self.position and self.position.backwards)
        records = records[: self.page_size]
        if backwards:
            records = records[::-1]
        has_next = (more and not backwards) or backwards
        has_prev = (more and backwards) or (not backwards and (self.position is not None or self.page > 1))
        self.links = {"self": self._url(None)}
        if records and has_next:
            self.links["next"] = self._url(self._position_at(records[-1], False))
        if records and has_prev:
            self.links["prev"] = self._url(self._position_at(records[0], True))
        if self.response is not None:
            self.response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in self.links.items())
        return records

    @property
    def number(self):
        """The page's number, counted from the first page along the links followed."""
        return self.position.page if self.position else self.page

    def _position_at(self, record, backwards):
        value = None if self.sort.column == "id" else record[self.sort.column]
        if isinstance(value, datetime):
            # the ORM drops the microseconds the column holds: the cursor needs the exact key
            column, table = SQL.identifier(self.sort.column), SQL.identifier(record._table)
            value = self.env.execute_query(SQL("SELECT %s FROM %s WHERE id = %s", column, table, record.id))[0][0]
        step = -1 if backwards else 1
        return Position(self.resource, self.sort.name, value, record.id, backwards, max(self.number + step, 1))

    def _url(self, position):
        url = self.request.url
        if position is None:
            return f"{url.path}?{url.query}" if url.query else url.path
        params = [(k, v) for k, v in self.request.query_params.multi_items() if k not in (CURSOR_PARAM, PAGE_PARAM)]
        params.append((CURSOR_PARAM, position.encode(self.env)))
        return f"{url.path}?{urlencode(params)}"


# The orders each search offers; each is an index scan at any size (indexes in the models' ``init``)
REGISTRANT_SORTS = sort_orders("name", "create_date", "write_date")
PROGRAM_SORTS = sort_orders("name", "create_date", "write_date")
MEMBERSHIP_SORTS = sort_orders("create_date", "write_date")
SUBSCRIPTION_SORTS = sort_orders("name", "create_date")

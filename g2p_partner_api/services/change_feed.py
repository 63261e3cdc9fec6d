"""The pull feed of registrant changes (``GET /Individual?since=``, ``GET /Group?since=``).

The log (``g2p.registrant.change``) records the id of the transaction that wrote each change.
A page is cut between two snapshots of the database, ``lo`` (what the client has already been
through) and ``hi`` (taken when the client got past ``lo``): the changes visible in ``hi`` and not
in ``lo``, in (transaction id, row id) order. A transaction that was running at ``lo`` is not
visible in it, so its changes come in a later batch whenever it commits: nothing is skipped when
transactions commit in another order than they wrote (a position in time or in a sequence alone
cannot tell this). This is the technique of PgQ's ticks; see docs/architecture.md, "Change feed".

The cursor handed to the client holds the two snapshots and a position: it is encrypted with a
key derived from the database secret, so no transaction or row id leaves the system and a client
cannot forge a position. What a client may read is decided at each page by the read-access hook,
in SQL, so pages and their length tell nothing of the registrants it may not read.
"""

import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from cryptography.fernet import InvalidToken

from odoo.tools import SQL

from .api_errors import invalid_parameter as refused
from .sealed_cursors import cursor_fernet

START = "0"
# key purpose of the feed tokens (sealed_cursors): as it was, so that the tokens partners keep stay valid
FEED_CURSOR = b"g2p change feed cursor"
TIME_START_PREFIX = "gt"
# RFC 3339 date-time: seconds and the offset (or Z) written out
RFC3339_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")
TIME_START_EXPECTED = "expected gt<date-time with its offset or Z>, e.g. gt2026-12-01T00:00:00Z"
# a snapshot that shows nothing: the start of the log
EMPTY_SNAPSHOT = "1:1:"


@dataclass(frozen=True)
class FeedCursor:
    """Where a client is in the feed of one resource (``kind``)."""

    kind: str
    lo: str = EMPTY_SNAPSHOT  # snapshot whose changes the client has been through
    hi: str | None = None  # snapshot the current batch ends at (taken by the first page of the batch)
    after: tuple[str, int] | None = None  # last (transaction id, row id) answered in this batch
    since_time: str | None = None  # first batch of a ``_lastUpdated`` start: changes written after it
    floor: str = "0"  # no change of the batch has a smaller transaction id


def encode(env, cursor):
    """The opaque ``since`` token of ``cursor``."""
    return cursor_fernet(env, FEED_CURSOR).encrypt(json.dumps(asdict(cursor), separators=(",", ":")).encode()).decode()


def decode(env, kind, token):
    """The cursor a ``since`` token holds; 422 naming ``since`` for anything this registry did not
    hand out for this resource."""
    try:
        data = json.loads(cursor_fernet(env, FEED_CURSOR).decrypt(token.encode()))
        cursor = FeedCursor(**dict(data, after=tuple(data["after"]) if data.get("after") else None))
    except (InvalidToken, ValueError, TypeError, KeyError) as exc:
        raise refused("since", "not a change cursor this registry handed out (start with since=0)") from exc
    if cursor.kind != kind:
        raise refused("since", f"a cursor of the {cursor.kind} feed, not of {kind}")
    return cursor


def _parse_time_start(text):
    """The UTC moment of ``gt<date-time>``: a date-time with its offset (or Z), never one read in an assumed
    zone (a partner east of UTC who left the offset out would miss the changes of the hours between)."""
    moment_text = text[len(TIME_START_PREFIX) :] if text.startswith(TIME_START_PREFIX) else None
    if moment_text is None or not RFC3339_DATE_TIME.fullmatch(moment_text):
        raise refused("_lastUpdated", TIME_START_EXPECTED)
    try:
        moment = datetime.fromisoformat(moment_text.upper().replace("Z", "+00:00"))
        return (moment - moment.utcoffset()).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:  # no such day or hour; before year 1 or after 9999 in UTC
        raise refused("_lastUpdated", TIME_START_EXPECTED) from exc


def start(env, kind, since, last_updated):
    """The cursor of a call: ``since=0`` (the whole log), ``_lastUpdated=gt<date-time>`` (changes
    written after it), or a ``since`` token of an earlier page."""
    if since is not None and last_updated is not None:
        raise refused("_lastUpdated", "give since or _lastUpdated, not both")
    if last_updated is not None:
        moment = _parse_time_start(last_updated)
        hi = _current_snapshot(env)
        # every change written after ``moment`` that this snapshot shows has a transaction id of at least
        # the first query's answer; one it does not show yet is of a transaction at least as young as hi's xmin
        env.cr.execute(
            SQL(
                """SELECT LEAST(
                       (SELECT min(txid) FROM g2p_registrant_change WHERE changed_at > %s),
                       pg_snapshot_xmin(%s::pg_snapshot))::text""",
                moment,
                hi,
            )
        )
        return FeedCursor(kind, hi=hi, since_time=moment.isoformat(), floor=env.cr.fetchone()[0])
    if since == START:
        return FeedCursor(kind)
    return decode(env, kind, since)


def _current_snapshot(env):
    env.cr.execute("SELECT pg_current_snapshot()::text")
    return env.cr.fetchone()[0]


def _readable_query(env, client, scope, is_group):
    """The registrants of the feed's kind ``client`` may read with ``scope``, as an ORM query
    (record rules and the read-access hook included)."""
    domain = [("is_registrant", "=", True), ("is_group", "=", is_group)]
    return (
        env["res.partner"].with_context(active_test=False)._search(domain + client._readable_registrant_domain(scope))
    )


def _told_to_client(env, client, scope):
    """The condition on a change row that ``client`` is told of it: a change of the registrant itself, or one of a
    membership whose other side (``via_partner_id``) it may read with ``scope``, as ``registry_service.reads_any``
    decides. A member it may not read joining or leaving a household changes nothing it sees of it (nor a household
    it may not read of a member), as for ``group.updated`` events. In the page's statement, one lookup of that side
    per row that has one: the walk of the index, paging and ``has_more`` stay."""
    cause = env["res.partner"].with_context(active_test=False)._search(client._readable_registrant_domain(scope))
    if cause.is_empty():
        return SQL('"feed".via_partner_id IS NULL')
    # the subquery's "res_partner" is the other side; "feed" is the outer row
    cause.add_where(SQL('"res_partner".id = "feed".via_partner_id'))
    return SQL('("feed".via_partner_id IS NULL OR EXISTS (%s))', cause.select(SQL("1")))


def next_page(env, client, scope, is_group, cursor, limit):
    """(registrant ids in change order, each once, the cursor after them, whether more changes are
    already there): at most ``limit`` changes of registrants ``client`` may read with ``scope``."""
    hi = cursor.hi or _current_snapshot(env)
    query = _readable_query(env, client, scope, is_group)
    rows = []
    if not query.is_empty():
        query.add_join(
            "JOIN",
            "feed",
            "g2p_registrant_change",
            SQL('"feed".partner_id = "res_partner".id AND "feed".is_group = %s', bool(is_group)),
        )
        # one lower bound on the index (a row comparison beside a bound on txid alone would make
        # PostgreSQL start the scan at the row comparison's bound): the last row answered in this batch,
        # else the smallest transaction id the batch can hold
        if cursor.after:
            start = SQL('("feed".is_group, "feed".txid, "feed".id) > (%s, %s::xid8, %s)', bool(is_group), *cursor.after)
        else:
            start = SQL('"feed".txid >= GREATEST(%s::xid8, pg_snapshot_xmin(%s::pg_snapshot))', cursor.floor, cursor.lo)
        query.add_where(start)
        query.add_where(
            SQL(
                """"feed".txid < pg_snapshot_xmax(%(hi)s::pg_snapshot)
                   AND pg_visible_in_snapshot("feed".txid, %(hi)s::pg_snapshot)
                   AND NOT pg_visible_in_snapshot("feed".txid, %(lo)s::pg_snapshot)""",
                lo=cursor.lo,
                hi=hi,
            )
        )
        query.add_where(_told_to_client(env, client, scope))
        if cursor.since_time:
            query.add_where(SQL('"feed".changed_at > %s', cursor.since_time))
        query.order = SQL('"feed".is_group, "feed".txid, "feed".id')
        query.limit = limit
        env.cr.execute(query.select(SQL('"feed".txid::text'), SQL('"feed".id'), SQL('"feed".partner_id')))
        rows = env.cr.fetchall()
    if len(rows) < limit:  # the batch is through: the next one starts where this one ends
        following = FeedCursor(cursor.kind, lo=hi)
    else:
        following = replace(cursor, hi=hi, after=(rows[-1][0], rows[-1][1]))
    # a registrant changed several times in the page is answered once, where it last changed
    last_change = {partner_id: position for position, (_txid, _id, partner_id) in enumerate(rows)}
    ordered = sorted(last_change, key=last_change.get)
    return ordered, following, len(rows) == limit

"""One autocommit cursor per worker process and database for the suite's counters.

Counting a call against its rate limit, an anonymous refusal's audit count or a key-set refresh
claim is one statement that must be committed at once, whatever happens to the call. Opening a
cursor for it costs a pool checkout (``RESET ALL`` on the connection), a ``BEGIN``, the statement
and a ``COMMIT``: four round trips where one does. The cursor kept here is taken out of Odoo's
pool of the primary once, put in autocommit and reused call after call: each statement is its
own transaction (an UPSERT stays atomic across workers and nodes), its row locks last that
statement.

- Threads share it under a lock (a threaded server starts a thread per request: a connection per
  thread would be left behind by each).
- A connection the server closed (``odoo.sql_db.close_db`` when the registry is dropped or
  reset, a restarted PostgreSQL) is replaced once, and the statement run again.
- A forked process never uses its parent's connection: it opens its own and leaves the parent's
  untouched (closing it would close the socket the parent still uses).
"""

import atexit
import logging
import os
import threading
from contextlib import contextmanager

import psycopg2

import odoo.sql_db

_logger = logging.getLogger(__name__)

_lock = threading.RLock()
_cursors = {}  # dbname: (pid, cursor)
# the cursors a forked process found from its parent: kept referenced, never closed nor collected
# (a collected connection closes its socket, which is the parent's too)
_inherited = []


def _open(dbname):
    cr = odoo.sql_db.db_connect(dbname).cursor()
    cr.connection.autocommit = True
    # concurrent increments of one row must wait, not fail as repeatable read would: each statement's
    # implicit transaction reads committed (the pool's RESET ALL undoes it when the connection goes back)
    cr.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE")
    return cr


def _discard(dbname):
    pid, cr = _cursors.pop(dbname, (None, None))
    if cr is None:
        return
    if pid != os.getpid():
        _inherited.append(cr)
        return
    try:
        if not cr.connection.closed:
            cr.connection.autocommit = False  # given back to the pool as Odoo's cursors leave it
        cr.close()
    except (psycopg2.Error, odoo.sql_db.PoolError):  # closed under us: the pool has forgotten it already
        _logger.debug("counter cursor of %s already closed", dbname)


def _cursor(dbname):
    pid, cr = _cursors.get(dbname, (None, None))
    if cr is None or pid != os.getpid() or cr.closed:
        _discard(dbname)
        cr = _open(dbname)
        _cursors[dbname] = (os.getpid(), cr)
    return cr


class _RetryingCursor:
    """The shared cursor as a block sees it: ``execute`` runs again once on a new connection when
    the connection was lost (nothing of a lost statement was committed but what PostgreSQL had
    committed already: a count may be one too many, never one too few)."""

    def __init__(self, dbname):
        self.dbname = dbname

    def execute(self, query, params=None, log_exceptions=True):
        try:
            return _cursor(self.dbname).execute(query, params, log_exceptions=False)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            if not _cursor_lost(self.dbname):
                if log_exceptions:
                    _logger.error("bad query: %s\nERROR: %s", query, exc)
                raise
        _logger.info("counter connection to %s lost: reconnecting", self.dbname)
        _discard(self.dbname)
        return _cursor(self.dbname).execute(query, params, log_exceptions)

    def __getattr__(self, name):  # fetchone, fetchall, rowcount, ...
        return getattr(_cursor(self.dbname), name)


def _cursor_lost(dbname):
    _pid, cr = _cursors.get(dbname, (None, None))
    return cr is None or cr.closed


@contextmanager
def counter_cursor(dbname):
    """The process's autocommit cursor on the primary of ``dbname``, for the block's statements
    (each committed when it runs; no transaction spans them)."""
    with _lock:
        yield _RetryingCursor(dbname)


def close(dbname=None):
    """Give the counter cursors back to the pool (of ``dbname``, or all)."""
    with _lock:
        for name in [dbname] if dbname else list(_cursors):
            _discard(name)


# a cursor still open at exit would be reported as never closed
atexit.register(close)

"""No read-only cursor on the read replica while it may refill a cleared cache with what it has not replayed yet.

Odoo clears a process's caches (record rules, users' groups, system parameters, the suite's settings) when a change
is signaled, on the primary, at the start of a request (``Registry.check_signaling``). The read that follows fills
them again from the cursor it is served on. Served by a replica that had not replayed the change, it put the old rule
or setting back, and the process kept it after the replica caught up, until the next change of that cache: not for
the replica's lag but indefinitely, for every user of that process.

So at a process's first read-only cursor and at its first one after its caches were cleared (the registry's signaling
sequences changed), the primary's WAL insert position is noted (``caches_replay_position``), and every read-only
cursor is the primary's until the replica has replayed up to it (``replica_replayed_awaited``); the replica is asked
only while such a position is awaited, then it is forgotten. Without ``db_replica_host`` nothing is asked or changed.

Every read-only cursor, not only the suite's API reads (``read_routing``): Odoo's own read-only routes (the web
client's ``search_read``, ``read``, ``name_search``..., any route declared ``readonly``) are served by the replica
too and fill the same caches. ``Registry.cursor`` is where Odoo chooses the replica, for every caller; no ORM or
``ir.http`` hook runs before that choice (the ``readonly`` of a route is computed by ``odoo.http`` from the
controller), hence the patch of that method (``patch_registry_cursor``, the addon's ``post_load``).
"""

import functools
import threading

from odoo.modules.registry import Registry
from odoo.tools import config

from .database_health import primary_position, replica_replayed

_caches_lock = threading.Lock()
_signaling_seen = {}  # db name: the registry's signaling sequences at this process's previous read
_replay_awaited = {}  # db name: the primary's position the replica must have replayed before it serves a read


def signaling_sequences(registry):
    """What changes when Odoo clears this process's caches for a change signaled by any process (or reloads its
    registry): ``Registry.check_signaling`` and ``signal_changes`` advance them."""
    return registry.registry_sequence, tuple(sorted(registry.cache_sequences.items()))


def caches_replay_position(registry):
    """(known, position): the primary's WAL position the replica must have replayed before it may serve a read, or
    None when none is awaited; not known when the primary does not answer (nothing noted: asked again next time).

    Taken on the primary at the process's first read and at the first read after its caches were cleared (the
    signaling sequences changed): the change they were cleared for was committed before it. Kept until the replica
    has replayed it (``replica_replayed_awaited``)."""
    sequences = signaling_sequences(registry)
    with _caches_lock:
        if _signaling_seen.get(registry.db_name) == sequences:
            return True, _replay_awaited.get(registry.db_name)
    position = primary_position(registry.db_name)
    if position is None:
        return False, None
    with _caches_lock:
        _signaling_seen[registry.db_name] = sequences
        awaited = _replay_awaited.get(registry.db_name)
        if awaited is None or _lsn(awaited) < _lsn(position):
            _replay_awaited[registry.db_name] = awaited = position
    return True, awaited


def replica_replayed_awaited(db_name, awaited):
    """Whether the replica has replayed up to ``awaited`` (asked only while a position is awaited; forgotten once
    replayed)."""
    if awaited is None:
        return True
    if not replica_replayed(db_name, awaited):
        return False
    with _caches_lock:
        if _replay_awaited.get(db_name) == awaited:
            del _replay_awaited[db_name]
    return True


def replica_may_fill_caches(registry):
    """Whether a read-only cursor of ``registry`` may be the replica's (always, without a replica)."""
    if config["db_replica_host"] is False:
        return True
    known, awaited = caches_replay_position(registry)
    return known and replica_replayed_awaited(registry.db_name, awaited)


def _lsn(position):
    """A WAL position (``16/B374D848``) as a number, to compare."""
    high, _slash, low = position.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def patch_registry_cursor():
    """Make ``Registry.cursor(readonly=True)`` give the primary's cursor while ``replica_may_fill_caches`` is False.

    Asked only when Odoo gives a replica's cursor (not in test mode, not without a replica, not while Odoo itself
    falls back to the primary after the replica failed). Applied once per process, whatever calls it."""
    if getattr(Registry.cursor, "g2p_replica_caches", False):
        return
    odoo_cursor = Registry.cursor

    @functools.wraps(odoo_cursor)
    def cursor(self, /, readonly=False):
        cr = odoo_cursor(self, readonly=readonly)
        if readonly and self.test_cr is None and cr.readonly and not replica_may_fill_caches(self):
            cr.close()
            cr = odoo_cursor(self, readonly=False)
        return cr

    cursor.g2p_replica_caches = True
    Registry.cursor = cursor

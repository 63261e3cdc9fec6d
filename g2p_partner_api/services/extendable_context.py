"""The extendable-schema registry outside HTTP requests (cron, shell, jobs run in-process).

Odoo's HTTP dispatch sets it for every request (extendable's ir.http); code that builds API
schemas from the ORM elsewhere — outbound payloads built at commit time — needs it too.
"""

from contextlib import contextmanager

from extendable import context

from odoo.addons.extendable.registry import _extendable_registries_database


@contextmanager
def extendable_registry(env):
    if context.extendable_registry.get(None) is not None:
        yield
        return
    token = context.extendable_registry.set(_extendable_registries_database.get(env.cr.dbname, {}))
    try:
        yield
    finally:
        context.extendable_registry.reset(token)

"""Plans of the queries the API runs, on a copy of a table (res_partner, the change log) large enough for
the planner to choose as at scale.

The copy is a temporary table of the same name, first on the search path, with the same indexes, the
registry's rows and the rows the test adds, analysed: an index built on a table whose rows were updated while
other transactions ran (every test database of a shared server) may not be used by older snapshots
(``pg_index.indcheckxmin``), so the real table's plan would depend on other sessions.
"""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.tools import SQL


@contextmanager
def table_copy(cr, table="res_partner"):
    """A temporary ``table`` holding the registry's rows; the caller adds its own and ANALYZEs."""
    cr.execute(
        SQL("CREATE TEMPORARY TABLE %s (LIKE %s INCLUDING ALL)", SQL.identifier(table), SQL.identifier("public", table))
    )
    try:
        cr.execute(
            SQL("INSERT INTO %s SELECT * FROM %s", SQL.identifier("pg_temp", table), SQL.identifier("public", table))
        )
        yield
    finally:
        cr.execute(SQL("DROP TABLE %s", SQL.identifier("pg_temp", table)))


def nodes(plan):
    """Every node of a JSON plan, depth first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def explain(cr, query):
    """(JSON plan of ``query`` on the copy, {index name: definition} of the indexes it reads)."""
    cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
    plan = cr.fetchone()[0][0]["Plan"]
    definitions = {}
    for node in nodes(plan):
        if node.get("Index Name"):
            cr.execute("SELECT pg_get_indexdef(to_regclass(%s))", (f"pg_temp.{node['Index Name']}",))
            definitions[node["Index Name"]] = cr.fetchone()[0] or ""
    return plan, definitions


@contextmanager
def ran_queries(cr):
    """The SQL of each statement run on ``cr``'s class inside the block (a list, filled as they run)."""
    ran = []
    execute = type(cr).execute

    def spy(cursor, query, params=None, log_exceptions=True):
        ran.append(query if isinstance(query, SQL) else SQL(query, *(params or ())))
        return execute(cursor, query, params, log_exceptions)

    with patch.object(type(cr), "execute", spy):
        yield ran

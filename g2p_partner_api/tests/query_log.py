"""The SQL statements of one call through a mounted app, to count them and name them when a count grows."""

import logging
import traceback
from contextlib import contextmanager

SQL_LOGGER = logging.getLogger("odoo.sql_db")


class QueryLog(logging.Handler):
    """Statements the test cursor runs while installed (Odoo's cursor logs each one at DEBUG)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        message = record.getMessage()
        if "query:" in message:
            self.statements.append(f"{message.split('query:', 1)[1].strip()[:300]}  <- {self._caller()}")

    @staticmethod
    def _caller():
        """The innermost frame of the suite's code that led to the statement (file:line function)."""
        for frame in reversed(traceback.extract_stack()[:-3]):
            if "/g2p_" in frame.filename and "/tests/" not in frame.filename:
                return f"{frame.filename.split('/addons/')[-1].split('/wt/')[-1]}:{frame.lineno} {frame.name}"
        return "?"

    def __len__(self):
        return len(self.statements)

    def __str__(self):
        return "\n".join(f"{n:3}. {statement}" for n, statement in enumerate(self.statements, 1))


@contextmanager
def logged_queries(env):
    """Every statement run on ``env.cr`` inside the block, the ORM cache emptied before and the
    writes flushed after (what a new request finds and leaves)."""
    env.flush_all()
    env.invalidate_all()
    log, level, propagate = QueryLog(), SQL_LOGGER.level, SQL_LOGGER.propagate
    SQL_LOGGER.addHandler(log)
    SQL_LOGGER.setLevel(logging.DEBUG)
    SQL_LOGGER.propagate = False  # counted here, not written to the run's log
    try:
        yield log
        env.flush_all()
    finally:
        SQL_LOGGER.setLevel(level)
        SQL_LOGGER.propagate = propagate
        SQL_LOGGER.removeHandler(log)


def queries_of(env, call):
    """(what ``call()`` answered, the number of queries it ran on ``env``'s cursor): nothing in the ORM
    cache beforehand and its writes flushed after, the cost of one call as a new request meets it. Not
    counted: what runs on cursors of its own (the rate window, a replica's audit row); ``logged_queries``
    names every statement of every cursor."""
    env.flush_all()
    env.invalidate_all()
    before = env.cr.sql_log_count
    answer = call()
    env.flush_all()
    return answer, env.cr.sql_log_count - before

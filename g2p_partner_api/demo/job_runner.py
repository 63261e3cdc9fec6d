"""Runs queued jobs in this process and transaction, as queue_job's runner would run them: the demo data
is made by the same jobs as real traffic (and the tests run theirs the same way)."""

from odoo import fields

from odoo.addons.queue_job.job import Job


def perform_pending_jobs(env, model_names, due_only=True):
    """Perform the pending jobs of these models, and those they queue, oldest first; with ``due_only``, only
    those whose time has come (a retry queued for later stays). Returns the ``queue.job`` records performed."""
    Queue = env["queue.job"].sudo()
    domain = [("state", "=", "pending"), ("model_name", "in", list(model_names))]
    if due_only:
        domain += ["|", ("eta", "=", False), ("eta", "<=", fields.Datetime.now())]
    performed = Queue
    while pending := Queue.search(domain, order="id"):
        for record in pending:
            job = Job.load(env, record.uuid)
            job.set_started()
            job.perform()
            job.set_done()
            job.store()
        performed |= pending
    return performed

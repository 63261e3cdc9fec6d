def migrate(cr, version):
    """A membership's ``is_ended`` is no longer stored: it was computed when its end date was written, so a
    membership ending on a later day stayed not ended once that day had passed. It is now computed when read
    (today in the registry's calendar); the column, stale on such rows, is dropped."""
    cr.execute("ALTER TABLE g2p_group_membership DROP COLUMN IF EXISTS is_ended")

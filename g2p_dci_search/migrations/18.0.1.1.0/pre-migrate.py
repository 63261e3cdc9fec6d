def migrate(cr, version):
    """The items' company is a stored related field: its column is made here, so that the upgrade does not
    compute it item by item for the whole history (the post-migration fills it in one statement)."""
    cr.execute("ALTER TABLE g2p_dci_transaction ADD COLUMN IF NOT EXISTS company_id int4")
    cr.execute("ALTER TABLE g2p_dci_transaction_item ADD COLUMN IF NOT EXISTS company_id int4")

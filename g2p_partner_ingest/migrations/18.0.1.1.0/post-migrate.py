from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Ingest now needs the scope ingest:write: clients that could ingest (a partner mnemonic) keep that ability."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["g2p.api.client"]._grant_ingest_scope_to_ingesting_clients()

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Consents recorded before their history was kept get its first row, ``recorded``: GET /Consent/{uuid}/history
    and the consent form then show each consent's history from when it was recorded."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["g2p.consent.history"]._backfill_recorded()

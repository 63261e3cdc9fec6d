from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """group.updated used to cover a group's creation and archiving too: its subscribers keep getting them."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["g2p.api.subscription"]._split_group_event_subscriptions()

from odoo.addons.g2p_partner_api.models.g2p_api_audit_log import place_by_their_calls


def migrate(cr, version):
    """DCI transactions (a participant's search criteria) and their items now belong to the company of the endpoint
    that received them (only its staff read them). A transaction gets the company of its call's audit row (same
    client and correlation id: g2p_partner_api placed it by its endpoint), else, when every DCI endpoint works for
    one company, that company. Left without a company (administrators' only): transactions whose audit row was
    purged or never written (auditing off) while the DCI endpoints worked for several companies."""
    place_by_their_calls(cr, "g2p_dci_transaction")
    cr.execute(
        "SELECT DISTINCT company_id FROM fastapi_endpoint WHERE app = 'g2p_dci_search' AND company_id IS NOT NULL"
    )
    companies = cr.fetchall()
    if len(companies) == 1:
        cr.execute("UPDATE g2p_dci_transaction SET company_id = %s WHERE company_id IS NULL", companies[0])
    cr.execute(
        """
        UPDATE g2p_dci_transaction_item item SET company_id = txn.company_id
          FROM g2p_dci_transaction txn
         WHERE item.company_id IS NULL AND txn.id = item.transaction_id AND txn.company_id IS NOT NULL
        """
    )

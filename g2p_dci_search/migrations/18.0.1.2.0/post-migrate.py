def migrate(cr, version):
    """DCI callbacks and notifications (``g2p.api.delivery`` rows of the DCI app) now belong to a company, as the
    transactions and subscriptions whose data they carry (a subscription's filter, a search's items): only its
    staff read them. A delivery takes its transaction's company, else its subscription's (its transaction's);
    one linked to neither (a rejected request's callback, a txn-on-status, or its transaction since deleted)
    takes the company of the DCI endpoints when they all work for one. Left without a company (every company's,
    as before): those of transactions the 18.0.1.1.0 upgrade could not place, and those linked to neither while
    the DCI endpoints work for several companies."""
    cr.execute(
        """
        UPDATE g2p_api_delivery delivery SET company_id = txn.company_id
          FROM g2p_dci_transaction txn
         WHERE delivery.company_id IS NULL AND txn.id = delivery.dci_transaction_id AND txn.company_id IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE g2p_api_delivery delivery SET company_id = txn.company_id
          FROM g2p_dci_subscription subscription
          JOIN g2p_dci_transaction txn ON txn.id = subscription.transaction_id
         WHERE delivery.company_id IS NULL
           AND subscription.id = delivery.dci_subscription_id
           AND txn.company_id IS NOT NULL
        """
    )
    cr.execute(
        "SELECT DISTINCT company_id FROM fastapi_endpoint WHERE app = 'g2p_dci_search' AND company_id IS NOT NULL"
    )
    companies = cr.fetchall()
    if len(companies) == 1:
        cr.execute(
            """
            UPDATE g2p_api_delivery SET company_id = %s
             WHERE company_id IS NULL
               AND event_type LIKE 'dci.%%'
               AND dci_transaction_id IS NULL
               AND dci_subscription_id IS NULL
            """,
            companies[0],
        )

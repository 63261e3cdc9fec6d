def migrate(cr, version):
    """A DCI transaction now records the endpoint that received it (``endpoint_id``): what the registry answers
    later for it (a pending asynchronous search, its subscriptions' notifications, each attempt to deliver them) is
    read as that endpoint's user in its company, no longer as the first DCI endpoint's. A transaction of a company
    gets that company's DCI endpoint when the company has one, else the endpoint of the company whose root path is
    the source of the call's audit row (same client and correlation id). Left without one (not answered later,
    nothing of it read as another endpoint): transactions of no known company, and those of a company with several
    DCI endpoints whose audit row was purged or never written."""
    cr.execute(
        """
        UPDATE g2p_dci_transaction txn SET endpoint_id = sole.id
          FROM (SELECT company_id, MIN(id) AS id
                  FROM fastapi_endpoint
                 WHERE app = 'g2p_dci_search' AND company_id IS NOT NULL
                 GROUP BY company_id
                HAVING COUNT(*) = 1) sole
         WHERE txn.endpoint_id IS NULL AND txn.company_id = sole.company_id
        """
    )
    cr.execute(
        """
        UPDATE g2p_dci_transaction txn SET endpoint_id = by_call.endpoint_id
          FROM (SELECT audit.client_id, audit.correlation_id, endpoint.company_id, MIN(endpoint.id) AS endpoint_id
                  FROM g2p_api_audit_log audit
                  JOIN fastapi_endpoint endpoint
                    ON endpoint.app = 'g2p_dci_search' AND endpoint.root_path = audit.source
                   AND endpoint.company_id = audit.company_id
                 WHERE audit.correlation_id IS NOT NULL
                 GROUP BY audit.client_id, audit.correlation_id, endpoint.company_id
                HAVING COUNT(DISTINCT endpoint.id) = 1) by_call
         WHERE txn.endpoint_id IS NULL
           AND by_call.client_id = txn.client_id
           AND by_call.correlation_id = txn.correlation_id
           AND by_call.company_id = txn.company_id
        """
    )

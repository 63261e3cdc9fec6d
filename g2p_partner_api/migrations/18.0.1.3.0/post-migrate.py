def migrate(cr, version):
    """Audit rows now belong to the company of the endpoint that served the call (only its staff read them). A
    call's row names its endpoint by root path (``source``): it gets that endpoint's company when the endpoints at
    that path (archived ones too) all work for one company. Left without a company: the registry's own events
    (``source`` "odoo", every API Manager's as before) and calls whose endpoint is gone or moved to another path
    (administrators' only, since nothing tells whose they were)."""
    cr.execute(
        """
        UPDATE g2p_api_audit_log audit SET company_id = endpoint.company_id
          FROM (SELECT root_path, MIN(company_id) AS company_id
                  FROM fastapi_endpoint
                 WHERE company_id IS NOT NULL
                 GROUP BY root_path
                HAVING COUNT(DISTINCT company_id) = 1) endpoint
         WHERE audit.company_id IS NULL AND audit.source = endpoint.root_path
        """
    )

def migrate(cr, version):
    """Ingested items and change requests now belong to a company (only its staff see them). Existing rows get
    the one that is known: an uploaded file's staff member's company; an item that came through the ingest
    endpoints when they all work for one company, that company; a request its registrant's company, else its
    item's. Any other row is left without a company: every company's staff see it, as before."""
    cr.execute(
        """
        UPDATE g2p_ingest_raw raw SET company_id = users.company_id
          FROM res_users users
         WHERE raw.company_id IS NULL AND users.id = raw.uploaded_by_id
        """
    )
    cr.execute(
        "SELECT DISTINCT company_id FROM fastapi_endpoint WHERE app = 'g2p_partner_ingest' AND company_id IS NOT NULL"
    )
    companies = cr.fetchall()
    if len(companies) == 1:
        cr.execute(
            "UPDATE g2p_ingest_raw SET company_id = %s WHERE company_id IS NULL AND uploaded_by_id IS NULL",
            companies[0],
        )
    cr.execute(
        """
        UPDATE g2p_change_request request SET company_id = partner.company_id
          FROM res_partner partner
         WHERE request.company_id IS NULL AND partner.id = request.registrant_id AND partner.company_id IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE g2p_change_request request SET company_id = raw.company_id
          FROM g2p_ingest_raw raw
         WHERE request.company_id IS NULL AND raw.id = request.ingest_raw_id AND raw.company_id IS NOT NULL
        """
    )

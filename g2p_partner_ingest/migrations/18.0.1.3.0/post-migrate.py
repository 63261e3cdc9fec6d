from odoo.tools import SQL

from odoo.addons.g2p_partner_api.models.g2p_api_audit_log import place_by_their_calls


def migrate(cr, version):
    """Ingested items received before 18.0.1.2.0 that it could not place (the ingest endpoints worked for several
    companies) get the company of their call's audit row (same client and correlation id: g2p_partner_api placed
    it by its endpoint); their change requests without a company follow (18.0.1.2.0 gave the others their
    registrant's). Left without a company (every company's, as before): items whose audit row was purged
    (``g2p_partner_api.audit_retention_days``) or never written (auditing off)."""
    # an uploaded file was placed by its uploader's company
    place_by_their_calls(cr, "g2p_ingest_raw", SQL("placed.uploaded_by_id IS NULL"))
    cr.execute(
        """
        UPDATE g2p_change_request request SET company_id = raw.company_id
          FROM g2p_ingest_raw raw
         WHERE request.company_id IS NULL AND raw.id = request.ingest_raw_id AND raw.company_id IS NOT NULL
        """
    )

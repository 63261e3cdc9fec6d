SUBMISSION_EVENTS = ("change_request.applied", "change_request.rejected", "change_request.failed")


def migrate(cr, version):
    """A submission's events (``change_request.applied``, ``.rejected``, ``.failed``) are now of their change
    request's company (a failed item's: the item's), as the request or item they tell of: only its staff read them.
    A request's event takes the company of the request its subject names (the reference, with the same client),
    unless requests of that reference and client are of several companies; a failed item's (no reference) the
    company of the item whose ingest id its CloudEvents body names. Left without a company (every company's, as
    before): those of requests and items of no company, and the failed items' events a subscription's payload
    template shaped (where the ingest id stands in such a body is the template's business)."""
    cr.execute(
        """
        UPDATE g2p_api_delivery delivery SET company_id = request.company_id
          FROM g2p_change_request request
         WHERE delivery.event_type IN %s
           AND delivery.company_id IS NULL
           AND request.name = delivery.subject
           AND request.client_id = delivery.client_id
           AND request.company_id IS NOT NULL
           AND NOT EXISTS (
                SELECT 1 FROM g2p_change_request other
                 WHERE other.name = request.name
                   AND other.client_id = request.client_id
                   AND other.company_id IS DISTINCT FROM request.company_id
           )
        """,
        [SUBMISSION_EVENTS],
    )
    # only the registry's own CloudEvents body is read as JSON (a template's output is not parsed): CASE keeps the
    # cast from other rows
    cr.execute(
        """
        UPDATE g2p_api_delivery delivery SET company_id = raw.company_id
          FROM g2p_ingest_raw raw
         WHERE delivery.event_type = 'change_request.failed'
           AND delivery.company_id IS NULL
           AND delivery.subject IS NULL
           AND raw.ingest_id = CASE WHEN delivery.content_type = 'application/cloudevents+json'
                                    THEN delivery.body::jsonb #>> '{data,ingest_id}' END
           AND raw.client_id = delivery.client_id
           AND raw.company_id IS NOT NULL
        """
    )

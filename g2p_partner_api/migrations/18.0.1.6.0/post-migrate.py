import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    """A subscription now records the REST endpoint its events are read as (``endpoint_id``), no longer the first
    REST endpoint's. An existing one gets the registry's only REST endpoint when it has one (active or not), else
    the only REST endpoint whose root path is the source of its client's audited calls (the endpoint the partner
    works with). Left without one, and said so here (no event is sent to it until a system administrator chooses):
    those of a registry with several REST endpoints whose client called several of them, or none since the audit
    log was purged."""
    cr.execute(
        """
        UPDATE g2p_api_subscription sub SET endpoint_id = sole.id
          FROM (SELECT MIN(id) AS id FROM fastapi_endpoint WHERE app = 'g2p_partner_api' HAVING COUNT(*) = 1) sole
         WHERE sub.endpoint_id IS NULL
        """
    )
    cr.execute(
        """
        UPDATE g2p_api_subscription sub SET endpoint_id = called.endpoint_id
          FROM (SELECT audit.client_id, MIN(endpoint.id) AS endpoint_id
                  FROM g2p_api_audit_log audit
                  JOIN fastapi_endpoint endpoint
                    ON endpoint.app = 'g2p_partner_api' AND endpoint.root_path = audit.source
                 WHERE audit.client_id IS NOT NULL
                 GROUP BY audit.client_id
                HAVING COUNT(DISTINCT endpoint.id) = 1) called
         WHERE sub.endpoint_id IS NULL AND called.client_id = sub.client_id
        """
    )
    cr.execute("SELECT id FROM g2p_api_subscription WHERE endpoint_id IS NULL AND active ORDER BY id")
    unplaced = [row[0] for row in cr.fetchall()]
    if unplaced:
        _logger.warning(
            "%s active subscriptions left without a REST endpoint to read their events as (none sent until a system "
            "administrator chooses one, field 'Read as endpoint'; DCI callback channels need none): ids %s",
            len(unplaced),
            unplaced,
        )

import logging

_logger = logging.getLogger(__name__)

DUPLICATE_REFERENCE = "rjct.reference_id.duplicate"
MISSING_REFERENCE = "rjct.reference_id.invalid"


def _mark_repeated_first_uses(cr):
    """A sender's reference id now has one first use, which a unique index of the items keeps (created right
    after this script). Calls of one sender running at the same time could each record the same new reference
    id before: of those items, the earliest stays the first use; the later ones are marked as the repeated
    uses they were (``rjct.reference_id.duplicate``), their status (how they were answered) kept and their
    earlier reason code and message kept in the technical reason. No item is deleted."""
    cr.execute(
        """
        WITH first_uses AS (
            SELECT client_id, reference_id, min(id) AS first_id
              FROM g2p_dci_transaction_item
             WHERE client_id IS NOT NULL
               AND (status_reason_code IS NULL OR status_reason_code NOT IN (%(duplicate)s, %(missing)s))
             GROUP BY client_id, reference_id
            HAVING count(*) > 1
        )
        UPDATE g2p_dci_transaction_item item
           SET status_reason_code = %(duplicate)s,
               status_reason_message = concat_ws(
                   ' ',
                   'reference_id already used by this sender; answered ' || coalesce(item.status, 'pdng')
                       || ' by a call at the same time, before the upgrade to 18.0.1.1.0 refused it.',
                   'Recorded reason: '
                       || nullif(concat_ws(' - ', item.status_reason_code, item.status_reason_message), '')
               )
          FROM first_uses
         WHERE item.client_id = first_uses.client_id
           AND item.reference_id = first_uses.reference_id
           AND item.id > first_uses.first_id
           AND (item.status_reason_code IS NULL OR item.status_reason_code NOT IN (%(duplicate)s, %(missing)s))
        """,
        {"duplicate": DUPLICATE_REFERENCE, "missing": MISSING_REFERENCE},
    )
    if cr.rowcount:
        _logger.warning("%s DCI transaction items marked as repeated uses of their reference id", cr.rowcount)


def _make_company_columns(cr):
    """The items' company is a stored related field: its column is made here, so that the upgrade does not
    compute it item by item for the whole history (the post-migration fills it in one statement)."""
    cr.execute("ALTER TABLE g2p_dci_transaction ADD COLUMN IF NOT EXISTS company_id int4")
    cr.execute("ALTER TABLE g2p_dci_transaction_item ADD COLUMN IF NOT EXISTS company_id int4")


def migrate(cr, version):
    _make_company_columns(cr)
    _mark_repeated_first_uses(cr)

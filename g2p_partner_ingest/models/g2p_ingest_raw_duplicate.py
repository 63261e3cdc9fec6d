import json

from odoo import fields, models

from odoo.addons.g2p_partner_api.services import duplicate_finder

DUPLICATE_SUSPECTED = "DUPLICATE_SUSPECTED"


class G2PIngestRaw(models.Model):
    """The `reject` duplicate policy: an item that would add someone already registered fails before any
    change request exists (decided outside the ingestion savepoint, so the candidates are kept)."""

    _inherit = "g2p.ingest.raw"

    duplicate_candidate_ids = fields.Many2many(
        "res.partner",
        "g2p_ingest_raw_duplicate_rel",
        "raw_id",
        "partner_id",
        string="Suspected duplicates",
        readonly=True,
        help="Registrants this item may duplicate (reject policy); partners see the uuids they may read.",
    )

    def _run_item_step(self, step):
        if step == "ingestion":
            if self.ingestion_status == "failed" and self.error_code == DUPLICATE_SUSPECTED:
                return False
            if self._reject_suspected_duplicates():
                return False
        return super()._run_item_step(step)

    def _run_ingestion_batch(self):
        self._reject_suspected_duplicates()
        return super()._run_ingestion_batch()

    def _reject_suspected_duplicates(self):
        """Fail the items of `reject` data models that would ADD a possible duplicate; returns them."""
        todo = self.filtered(
            lambda r: (
                r.data_model_id.duplicate_policy == "reject"
                and r.ingestion_status == "pending"
                and r.transformation_status in ("done", "skipped")
                and r.canonical
            )
        )
        CR = self.env["g2p.change.request"]
        if not todo or not CR._duplicate_check_enabled():
            return self.browse()
        settings = duplicate_finder.Settings.from_env(self.env)
        duplicate_finder.prepare(self.env, settings)
        adds = []
        for raw in todo:
            canonical = json.loads(raw.canonical)
            operation, _existing = CR._match(raw.data_model_id, canonical)
            if operation == "add":
                adds.append((raw, canonical))
        # the people of the whole batch searched together (duplicate_finder.find_many)
        candidates = CR._duplicate_candidates_of_adds([(canonical, raw.target) for raw, canonical in adds], settings)
        rejected = self.browse()
        for (raw, _canonical), found in zip(adds, candidates, strict=True):
            if not found:
                continue
            raw.write(
                {
                    "ingestion_status": "failed",
                    "error_code": DUPLICATE_SUSPECTED,
                    # no count: the sender reads this message, and may not read the candidates (issue #25)
                    "error_message": self.env._(
                        "This item may add someone already registered: resolve it upstream, or send the "
                        "registrant's identifier so the item updates them."
                    ),
                    "duplicate_candidate_ids": [(6, 0, [c.partner_id for _index, _label, c in found])],
                }
            )
            raw._tell_sender_failed()
            rejected |= raw
        return rejected

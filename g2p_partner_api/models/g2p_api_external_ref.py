from odoo import api, fields, models


class G2PApiExternalRef(models.Model):
    """A reference a partner gave to one of our records (stored from its answer by the subscription's
    callback path or mapping): several per record, each under a reference type."""

    _name = "g2p.api.external.ref"
    _description = "Partner's own reference for a registry record"
    _order = "subscription_id, record_uuid, ref_type, id"

    subscription_id = fields.Many2one("g2p.api.subscription", required=True, ondelete="cascade", index=True)
    client_id = fields.Many2one(related="subscription_id.client_id", store=True)
    record_uuid = fields.Char(string="Record UUID", required=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Registrant", ondelete="cascade", index="btree_not_null", readonly=True
    )
    ref_type = fields.Char(string="Reference type", required=True, default="id")
    external_id = fields.Char(string="Partner reference", required=True)

    _sql_constraints = [
        (
            "ref_unique",
            "unique(subscription_id, record_uuid, ref_type, external_id)",
            "This partner reference is already stored for the record.",
        )
    ]

    @api.model
    def _store(self, subscription, record_uuid, found):
        """Make the references of each type in ``found`` ({ref type: [values]}) the partner's current ones
        for ``record_uuid``; types the answer said nothing about keep what they had."""
        current = self.search(
            [
                ("subscription_id", "=", subscription.id),
                ("record_uuid", "=", record_uuid),
                ("ref_type", "in", list(found)),
            ]
        )
        current.filtered(lambda ref: ref.external_id not in found[ref.ref_type]).unlink()
        kept = {(ref.ref_type, ref.external_id) for ref in current.exists()}
        registrant = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("uuid", "=", record_uuid), ("is_registrant", "=", True)], limit=1)
        )
        self.create(
            [
                {
                    "subscription_id": subscription.id,
                    "record_uuid": record_uuid,
                    "partner_id": registrant.id,
                    "ref_type": ref_type,
                    "external_id": value,
                }
                for ref_type, values in found.items()
                for value in values
                if (ref_type, value) not in kept
            ]
        )

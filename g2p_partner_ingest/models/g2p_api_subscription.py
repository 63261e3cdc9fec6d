from odoo import api, models


class G2PApiSubscription(models.Model):
    _inherit = "g2p.api.subscription"

    @api.model
    def _resource_payload(self, record, client, scope):
        if record._name == "g2p.change.request":
            return {
                "reference": record.name,
                "operation": record.operation.upper(),
                "target": record.target,
                "registrant": record.registrant_id.uuid,
                "state": record.state,
                "ingest_id": record.ingest_id or None,
            }
        return super()._resource_payload(record, client, scope)

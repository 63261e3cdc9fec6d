from odoo import api, models


class G2PApiSubscription(models.Model):
    _inherit = "g2p.api.subscription"

    @api.model
    def _payload_for(self, client, event_type, record):
        """A change request's events (``change_request.applied``, …) go to the client that submitted it,
        to no other: another partner's request, its ingest id and the registrant it touched are none of
        its business. The registrant is named only when the submitter may read it (scope and consent),
        and each attempt to send checks that again."""
        if record._name != "g2p.change.request":
            return super()._payload_for(client, event_type, record)
        if not client.active or record.sudo().client_id != client:
            return None
        registrant = record.registrant_id
        scope = self._event_scope(event_type, registrant)
        readable = (
            client._filter_readable_registrants(registrant, scope)
            if registrant and scope in client._scope_codes()
            else registrant.browse()
        )
        payload = {
            "reference": record.name,
            "operation": record.operation.upper(),
            "target": record.target,
            "registrant": readable.uuid or None,
            "state": record.state,
            "ingest_id": record.ingest_id or None,
        }
        return (scope if readable else None), payload, readable.ids

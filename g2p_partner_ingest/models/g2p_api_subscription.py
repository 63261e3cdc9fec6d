from odoo import api, models

from odoo.addons.g2p_partner_api.services.registry_service import readable_relations

SUBMISSIONS = ("g2p.change.request", "g2p.ingest.raw")


class G2PApiSubscription(models.Model):
    _inherit = "g2p.api.subscription"

    def _payload_for(self, client, event_type, record):
        """A submission's events (``change_request.applied``, ``.rejected``, ``.failed``) go to the client that
        submitted it, to no other: another partner's request, its ingest id and the registrant it touched are none
        of its business. The registrant is named only when the submitter may read it (scope, the record rules of the
        subscription's REST endpoint and consent), and each attempt to send checks that again. An ingested item that
        failed before any change request existed is told as a ``change_request.failed`` without reference."""
        if record._name not in SUBMISSIONS:
            return super()._payload_for(client, event_type, record)
        reader = self._reader_env()  # None while the subscription's REST endpoint is not active: nothing is read
        if reader is None or not client.active or record.sudo().client_id != client:
            return None
        if record._name == "g2p.ingest.raw":
            return None, self._failed_item_payload(record), []
        registrant = record.registrant_id
        scope = self._event_scope(event_type, registrant)
        # read as the subscription's REST endpoint reads it (its record rules and consent): one they hide is not named
        readable = (
            readable_relations(client, registrant.with_env(reader), scope).with_env(self.env)
            if registrant and scope in client._scope_codes()
            else registrant.browse()
        )
        payload = {
            "reference": record.name,
            "operation": self.env["g2p.ingest.raw"]._disclosed_operation(
                client, record.operation, registrant, record.target == "group"
            )[0],
            "target": record.target,
            "registrant": readable.uuid or None,
            "state": record.state,
            "ingest_id": record.ingest_id or None,
            "reason": record._reason_for_partner(),
        }
        return (scope if readable else None), payload, readable.ids

    def _allowed_for(self, client, event_type, record, snapshot):
        """A submission's event is of its change request's company (a failed item's: the item's): it names no
        registrant the client may not read, a new person or a failed item, yet tells what that company's staff or
        pipeline made of it (a rejection reason, a failure). Of no company when the submission is of none."""
        allowed = super()._allowed_for(client, event_type, record, snapshot)
        if allowed is None or record._name not in SUBMISSIONS:
            return allowed
        scope, payload, registrant_ids, _company_id = allowed
        return scope, payload, registrant_ids, record.sudo().company_id.id

    @api.model
    def _failed_item_payload(self, raw):
        return {
            "reference": None,
            "operation": None,
            "target": raw.target,
            "registrant": None,
            "state": "failed",
            "ingest_id": raw.ingest_id,
            "error_code": raw.error_code or None,
            "reason": raw.error_message or None,
        }

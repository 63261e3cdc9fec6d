from odoo import api, models

from ..services.extendable_context import extendable_registry

# The key under which one transaction collects its events until pre-commit.
PENDING_EVENTS = "g2p_pending_events"


class G2PApiEventEmitter(models.AbstractModel):
    """Registry records that notify subscribed partners when they change.

    Events are collected during the transaction and turned into delivery jobs in its
    pre-commit phase: several writes to one record send one event, and a rolled-back change
    sends nothing because its jobs are rolled back with it.
    """

    _name = "g2p.api.event.emitter"
    _description = "Emits registry events to partner subscriptions"

    def _g2p_event_type(self, operation):
        """Event type for ``operation`` (created/updated/archived) of this record, or None."""
        return None

    def _g2p_queue_event(self, operation, gone=False):
        if not self.env.registry.ready:
            # module install/upgrade loading its data files: not a registry event partners are told of
            # (and the API schemas that build payloads are only assembled once the registry is loaded)
            return
        pending = self.env.cr.precommit.data.setdefault(PENDING_EVENTS, {})
        if not pending:
            self.env.cr.precommit.add(self.env["g2p.api.subscription"]._flush_pending_events)
        for record in self:
            event_type = record._g2p_event_type(operation)
            if not event_type:
                continue
            key = (record._name, record.id)
            known = pending.get(key)
            # created then updated in one transaction is still one "created" event
            if known and known["event_type"].endswith(".created") and operation == "updated":
                continue
            pending[key] = {
                "event_type": event_type,
                "operation": operation,
                "model": record._name,
                "id": record.id,
                "snapshot": record._g2p_snapshot(event_type) if gone else None,
            }
            if known and known.get("changes"):  # what the earlier writes changed (one-member changes)
                pending[key]["changes"] = known["changes"]

    def _g2p_snapshot(self, event_type):
        """What each subscribed client (by id) may receive about a record about to disappear (unlink),
        decided while the record and the consents that go with it still exist."""
        Subscription = self.env["g2p.api.subscription"].sudo()
        clients = Subscription.browse(Subscription._subscription_ids_for(event_type)).client_id
        with extendable_registry(self.env):
            return {client.id: Subscription._snapshot_payload_for(client, event_type, self) for client in clients}

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._g2p_queue_event("created")
        return records

    def write(self, vals):
        result = super().write(vals)
        if "active" in vals and not vals["active"]:
            self._g2p_queue_event("archived")
        elif not set(vals) <= {
            "last_source_client_id",
            "last_source_system",
            "last_source_date",
            "message_main_attachment_id",
        }:
            self._g2p_queue_event("updated")
        return result

    def unlink(self):
        self._g2p_queue_event("archived", gone=True)
        return super().unlink()

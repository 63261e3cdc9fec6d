from odoo import api, models

from ..services.extendable_context import extendable_registry

# The key under which one transaction collects its events until pre-commit.
PENDING_EVENTS = "g2p_pending_events"
# written with a record's changes, no change of its own: who last wrote it through the APIs, the chatter's attachment
BOOKKEEPING_FIELDS = frozenset(
    {"last_source_client_id", "last_source_system", "last_source_date", "message_main_attachment_id"}
)


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

    def _g2p_members_changed(self, vals):
        """Ids of the individuals whose memberships are all that ``vals`` (a write's, about to be made) changes of
        these records, or None when it changes anything else, or they have no members: an event about
        memberships only goes to the clients that read one of those individuals
        (``g2p.api.subscription._emit``)."""
        return None

    def _g2p_queue_event(self, operation, gone=False, members=None):
        """Queue the event of ``operation`` on these records; ``members``: see ``_g2p_members_changed``."""
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
            pending[key]["member_ids"] = self._members_only(known, operation, members)
            if known and known.get("changes"):  # what the earlier writes changed (one-member changes)
                pending[key]["changes"] = known["changes"]

    @api.model
    def _members_only(self, known, operation, members):
        """The individuals whose memberships are all that a record's pending event, ``known`` before this write,
        is about once the write (``operation``, changing the memberships of ``members``) joins it; None when it is
        about more: any other change of the transaction is every reader's to hear of."""
        if operation != "updated" or members is None:
            return None
        if known is None:
            return frozenset(members)
        if known["operation"] != "updated" or known.get("member_ids") is None:
            return None
        return known["member_ids"] | frozenset(members)

    def _g2p_snapshot(self, event_type):
        """What each subscription (by id) may tell its client about a record about to disappear (unlink), read
        as its endpoint reads, decided while the record and the consents that go with it still exist."""
        Subscription = self.env["g2p.api.subscription"].sudo()
        subscriptions = Subscription.browse(Subscription._subscription_ids_for(event_type))
        with extendable_registry(self.env):
            return {
                subscription.id: subscription._snapshot_payload_for(subscription.client_id, event_type, self)
                for subscription in subscriptions
            }

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._g2p_queue_event("created")
        return records

    def write(self, vals):
        archived = "active" in vals and not vals["active"]
        updated = not archived and not set(vals) <= BOOKKEEPING_FIELDS
        # read before the write: the memberships it deletes are gone after it
        members = self._g2p_members_changed(vals) if updated else None
        result = super().write(vals)
        if archived:
            self._g2p_queue_event("archived")
        elif updated:
            self._g2p_queue_event("updated", members=members)
        return result

    def unlink(self):
        self._g2p_queue_event("archived", gone=True)
        return super().unlink()

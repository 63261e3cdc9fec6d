import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import HttpCase, tagged

from .common import JsonRpcAttackMixin

API_MANAGER = "base.group_user,g2p_partner_api.group_api_manager"
SETTING_CHANGED = "org.g2p.partner_api.client_setting_changed"


def new_public_pem():
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def der_fingerprint(pem):
    key = serialization.load_pem_public_key(pem.encode())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


@tagged("post_install", "-at_install")
class TestClientChangesTraced(JsonRpcAttackMixin, HttpCase):
    """Changing who a client is (key, mnemonic, DCI sender id) or what it may do (scopes, programmes) is an
    API Manager's job, but never without a trace: the client's chatter shows it (a key by its fingerprint)
    and the audit log has one row per change, by whom, old and new value."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user("trace_api_manager", API_MANAGER)
        # chatter entries must not need the acting user to have an email address
        cls.manager.partner_id.email = False
        cls.admin = cls._user("trace_admin", "base.group_user,base.group_system")
        cls.admin.partner_id.email = False
        cls.old_key = new_public_pem()
        cls.client = cls.env["g2p.api.client"].create(
            {
                "name": "Collector",
                "public_key": cls.old_key,
                "partner_mnemonic": "COLLECT",
                "dci_sender_id": "collector.example.org",
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_individual_read").ids)],
            }
        )
        cls.program = cls.env["g2p.program"].create({"name": "Trace cash transfer"})

    def _changes(self):
        return self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("event_type", "=", SETTING_CHANGED)]
        )

    def _tracked(self, field_name):
        return (
            self.client.message_ids.sudo()
            .tracking_value_ids.filtered(lambda t: t.field_id.name == field_name)
            .sorted("id")
        )

    def test_key_replacement_is_in_the_chatter_and_audited_by_fingerprint(self):
        new_key = new_public_pem()
        self._as("trace_admin")
        result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], {"public_key": new_key}])
        self.assertIsNone(error, "replacing a partner's key is a system administrator's act")
        self.assertEqual(self.client.public_key_fingerprint, der_fingerprint(new_key))
        [tracked] = self._tracked("public_key_fingerprint")
        self.assertEqual(
            (tracked.old_value_char, tracked.new_value_char), (der_fingerprint(self.old_key), der_fingerprint(new_key))
        )
        self.assertFalse(self._tracked("public_key"), "the PEM itself is not copied into the chatter")
        message = tracked.mail_message_id
        self.assertEqual(message.author_id, self.admin.partner_id)
        [change] = self._changes()
        self.assertEqual(
            (change.action, change.actor, change.resource, change.old_value, change.new_value),
            (
                "change public_key",
                "trace_admin",
                f"g2p.api.client/{self.client.client_id}",
                f"SHA-256 {der_fingerprint(self.old_key)}",
                f"SHA-256 {der_fingerprint(new_key)}",
            ),
        )
        self.assertNotIn("BEGIN PUBLIC KEY", change.cloudevent_pretty)

    def test_identity_scope_and_programme_changes_each_audited(self):
        dci_search = self.env.ref("g2p_partner_api.scope_dci_search")
        self._as("trace_api_manager")
        result, error = self.call_kw(
            "g2p.api.client",
            "write",
            [
                [self.client.id],
                {
                    "partner_mnemonic": "COLLECT2",
                    "dci_sender_id": "other.example.org",
                    "scope_ids": [(4, dci_search.id)],
                    "allowed_program_ids": [(6, 0, self.program.ids)],
                    "all_programs": True,
                },
            ],
        )
        self.assertIsNone(error)
        self.assertEqual(
            sorted((c.action, c.old_value, c.new_value) for c in self._changes()),
            [
                ("change all_programs", "false", "true"),
                ("change allowed_program_ids", "", "Trace cash transfer"),
                ("change dci_sender_id", "collector.example.org", "other.example.org"),
                ("change partner_mnemonic", "COLLECT", "COLLECT2"),
                ("change scope_ids", "individual:read", "dci:search, individual:read"),
            ],
        )
        for field_name in ("partner_mnemonic", "dci_sender_id", "scope_ids", "allowed_program_ids", "all_programs"):
            self.assertTrue(self._tracked(field_name), f"{field_name} is in the chatter")

    def test_a_write_that_changes_nothing_is_not_audited(self):
        self._as("trace_api_manager")
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"partner_mnemonic": "COLLECT", "note": "checked"}]
        )
        self.assertIsNone(error)
        self.assertFalse(self._changes())

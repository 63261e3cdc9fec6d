import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

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
    """Changing who a client is (key, mnemonic, DCI sender id: an administrator's) or what it may do (scopes,
    programmes: an API Manager's) is never without a trace: the client's chatter shows it (a key by its fingerprint)
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
        self._as("trace_admin")  # renaming the sender is an administrator's act (TestSenderNameCustody)
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


@tagged("post_install", "-at_install")
class TestSenderNameCustody(JsonRpcAttackMixin, HttpCase):
    """The names a partner's signed messages give as their sender (client id, partner mnemonic, DCI sender id)
    stay with its client: an API Manager who could move one to a client of its own (with the partner's public
    key, which is public) would make the partner's envelopes act under that client's scopes and consents."""

    NAMES = ("client_id", "partner_mnemonic", "dci_sender_id")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("names_api_manager", API_MANAGER).partner_id.email = False
        cls._user("names_admin", "base.group_user,base.group_system").partner_id.email = False
        cls.partner_key = new_public_pem()
        Client = cls.env["g2p.api.client"]
        cls.partner = Client.create(
            {
                "name": "Social protection MIS",
                "client_id": "spmis-client",
                "partner_mnemonic": "SPMIS",
                "dci_sender_id": "spmis.example.org",
                "public_key": cls.partner_key,
            }
        )
        cls.own = Client.create({"name": "Manager's own client", "public_key": cls.partner_key})

    def _evidence(self):
        self.env.invalidate_all()
        clients = self.partner | self.own
        return (
            clients.read(list(self.NAMES)),
            self.env["g2p.api.audit.log"].search_count([("client_id", "in", clients.ids)]),
            self.env["mail.message"].search_count([("model", "=", "g2p.api.client"), ("res_id", "in", clients.ids)]),
        )

    def test_an_api_manager_cannot_move_a_partners_sender_name(self):
        self._as("names_api_manager")
        before = self._evidence()
        for vals in (
            {"dci_sender_id": False},
            {"dci_sender_id": "moved.example.org"},
            {"partner_mnemonic": False},
            {"partner_mnemonic": "MOVED"},
            {"client_id": "moved-client"},
            {"name": "Renamed", "dci_sender_id": False},
        ):
            _result, error = self.call_kw("g2p.api.client", "write", [[self.partner.id], vals])
            self.assertEqual(error, "odoo.exceptions.AccessError", vals)
            self.assertEqual(self._evidence(), before, f"{vals}: refused, nothing changed or traced")
        # nor hand the partner's names to another client: taken, or the partner's client id named as a DCI sender
        for vals in ({"dci_sender_id": "spmis.example.org"}, {"dci_sender_id": "spmis-client"}):
            with mute_logger("odoo.sql_db"):  # the unique index refuses the first
                _result, error = self.call_kw("g2p.api.client", "write", [[self.own.id], vals])
            self.assertIsNotNone(error, vals)
            self.assertEqual(self._evidence(), before, f"{vals}: refused, nothing changed or traced")
        count = self.env["g2p.api.client"].search_count([])
        _result, error = self.call_kw("g2p.api.client", "create", [{"name": "Copy", "dci_sender_id": "spmis-client"}])
        self.assertEqual(error, "odoo.exceptions.ValidationError")
        self.assertEqual(self.env["g2p.api.client"].search_count([]), count)

        # onboarding: the first names of a client, and a write that keeps them, are the manager's
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.own.id], {"dci_sender_id": "own.example.org", "partner_mnemonic": "OWN"}]
        )
        self.assertIsNone(error)
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.partner.id], {"dci_sender_id": "spmis.example.org", "note": "checked"}]
        )
        self.assertIsNone(error)
        self.assertEqual((self.own.dci_sender_id, self.own.partner_mnemonic), ("own.example.org", "OWN"))

    def test_an_administrator_renames_a_sender_traced(self):
        self._as("names_admin")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.partner.id], {"dci_sender_id": "spmis.example.net"}]
        )
        self.assertIsNone(error)
        self.assertEqual(self.partner.dci_sender_id, "spmis.example.net")
        [change] = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.partner.id), ("action", "=", "change dci_sender_id")]
        )
        self.assertEqual(
            (change.actor, change.old_value, change.new_value),
            ("names_admin", "spmis.example.org", "spmis.example.net"),
        )


@tagged("post_install", "-at_install")
class TestClientDeletion(JsonRpcAttackMixin, HttpCase):
    """An API Manager who could delete a partner's client would free its client id, mnemonic and DCI sender id for a
    client of its own (the partner's public key is public) and delete the consents given to it. API Managers archive;
    an archived client keeps its names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("delete_api_manager", API_MANAGER).partner_id.email = False
        cls._user("delete_admin", "base.group_user,base.group_system").partner_id.email = False
        cls.partner = cls.env["g2p.api.client"].create(
            {
                "name": "Payment provider",
                "client_id": "payer-client",
                "partner_mnemonic": "PAYER",
                "dci_sender_id": "payer.example.org",
                "public_key": new_public_pem(),
            }
        )

    def _evidence(self):
        self.env.invalidate_all()
        Client = self.env["g2p.api.client"].with_context(active_test=False)
        return (
            Client.search_read([], ["client_id", "partner_mnemonic", "dci_sender_id", "public_key"], order="id"),
            self.env["g2p.api.audit.log"].search_count([]),
        )

    def test_an_api_manager_archives_and_cannot_delete_or_reuse_the_names(self):
        self._as("delete_api_manager")
        before = self._evidence()
        _result, error = self.call_kw("g2p.api.client", "unlink", [[self.partner.id]])
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._evidence(), before, "refused, nothing deleted")

        _result, error = self.call_kw("g2p.api.client", "action_archive", [[self.partner.id]])
        self.assertIsNone(error)
        self.assertFalse(self.partner.active)
        _result, error = self.call_kw("g2p.api.client", "unlink", [[self.partner.id]])
        self.assertEqual(error, "odoo.exceptions.AccessError", "archived or not, deleting is an administrator's")
        self.assertTrue(self.partner.exists())

        # the archived partner's names stay its own: a new client cannot take them
        archived = self._evidence()
        for vals in (
            {"name": "Taker", "client_id": "payer-client"},
            {"name": "Taker", "partner_mnemonic": "PAYER"},
            {"name": "Taker", "dci_sender_id": "payer.example.org"},
            {"name": "Taker", "dci_sender_id": "payer-client"},
        ):
            with mute_logger("odoo.sql_db"):  # the unique indexes refuse the first three
                _result, error = self.call_kw("g2p.api.client", "create", [vals])
            self.assertIsNotNone(error, vals)
            self.assertEqual(self._evidence(), archived, f"{vals}: refused, nothing created")

    def test_an_administrator_may_delete(self):
        self._as("delete_admin")
        _result, error = self.call_kw("g2p.api.client", "unlink", [[self.partner.id]])
        self.assertIsNone(error)
        self.assertFalse(self.partner.exists())

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..services.api_errors import SecretShownToStaff
from .common import activation_secret


@tagged("post_install", "-at_install")
class TestSecurityGroups(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer = new_test_user(cls.env, "g2p_viewer", groups="g2p_partner_api.group_registry_viewer")
        cls.officer = new_test_user(cls.env, "g2p_officer", groups="g2p_partner_api.group_registry_officer")
        cls.manager = new_test_user(cls.env, "g2p_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.person = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Grace", "family_name": "Mwale"}
        )
        cls.program = cls.env["g2p.program"].create({"name": "Grant", "state": "active"})
        cls.membership = cls.env["g2p.program.membership"].create(
            {"partner_id": cls.person.id, "program_id": cls.program.id}
        )
        cls.client = cls.env["g2p.api.client"].create({"name": "Partner"})

    def test_viewer_reads_but_cannot_write(self):
        person = self.person.with_user(self.viewer)
        self.assertEqual(person.name, "Grace Mwale")
        self.assertTrue(self.membership.with_user(self.viewer).state)
        with self.assertRaises(AccessError):
            person.write({"family_name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.viewer).create({"is_registrant": True, "given_name": "X"})
        with self.assertRaises(AccessError):
            self.membership.with_user(self.viewer).action_enroll()
        with self.assertRaises(AccessError):
            self.env["g2p.reg.id"].with_user(self.viewer).create(
                {
                    "partner_id": self.person.id,
                    "id_type_id": self.env.ref("g2p_partner_api.id_type_passport").id,
                    "value": "P1",
                }
            )

    def test_officer_registers_and_enrols(self):
        person = self.env["res.partner"].with_user(self.officer).create({"is_registrant": True, "given_name": "Esther"})
        self.assertTrue(person.uuid)
        self.membership.with_user(self.officer).action_enroll()
        self.assertEqual(self.membership.state, "enrolled")

    def test_officer_cannot_change_memberships_of_ended_programme(self):
        self.program.action_end()
        with self.assertRaises(AccessError):
            self.membership.with_user(self.officer).write({"exit_reason": "late edit"})
        self.assertTrue(self.membership.with_user(self.officer).read(["state"]), "history stays readable")

    def test_api_clients_and_audit_for_api_managers_only(self):
        for user in (self.viewer, self.officer):
            # staff see which partner system a record came from, but cannot change clients
            self.assertEqual(self.client.with_user(user).name, "Partner")
            with self.assertRaises(AccessError):
                self.client.with_user(user).write({"name": "Renamed"})
            with self.assertRaises(AccessError):
                self.client.with_user(user).read(["secret_hash"])
            with self.assertRaises(AccessError):
                self.env["g2p.api.audit.log"].with_user(user).search([])
        self.assertEqual(self.client.with_user(self.manager).name, "Partner")
        self.env["g2p.api.audit.log"].with_user(self.manager).search([])
        with self.assertRaises(AccessError):
            self.env["g2p.api.audit.log"].with_user(self.manager).create({"actor": "forged"})

    def test_secret_hash_and_private_key_hidden_from_api_managers(self):
        self.client._generate_secret()
        with self.assertRaises(AccessError):
            self.client.with_user(self.manager).read(["secret_hash"])
        key = self.env["g2p.api.signing.key"]._ensure_active_key("access_token")
        with self.assertRaises(AccessError):
            key.with_user(self.manager).read(["private_key_pem"])
        self.assertTrue(self.client.with_user(self.manager).has_secret)

    def test_secret_shown_once_never_stored_clear(self):
        # the API Manager generates the client's first secret; replacing it is an administrator's
        action = self.client.with_user(self.manager).action_generate_secret()
        clear = action["params"]["secret"]
        secret_hash = self.client.sudo().secret_hash
        with self.assertRaises(AccessError):
            self.client.with_user(self.manager).action_generate_secret()
        self.assertEqual(self.client.sudo().secret_hash, secret_hash)
        self.assertGreaterEqual(len(clear), 40)
        self.assertNotIn(clear, self.client.sudo().secret_hash)
        self.env.flush_all()
        self.env.cr.execute("SELECT secret_hash FROM g2p_api_client WHERE id = %s", [self.client.id])
        self.assertTrue(self.env.cr.fetchone()[0].startswith("$pbkdf2-sha512$"))
        # shown by a client action in a dialog: no record (wizard row) ever holds the clear secret
        self.assertEqual((action["type"], action["target"]), ("ir.actions.client", "new"))
        # the API Manager saw it: it authenticates only the partner's call that replaces it
        pair = activation_secret(self.client, clear)
        with self.assertRaises(SecretShownToStaff):
            self.env["g2p.api.client"]._authenticate(self.client.client_id, pair)
        self.assertEqual(
            self.env["g2p.api.client"]._authenticate(self.client.client_id, pair, replacing_secret=True), self.client
        )


@tagged("post_install", "-at_install")
class TestConsentAlwaysOn(TransactionCase):
    """Consent is never off by accident: it installs with the API, and the API alone shares nothing."""

    def test_consent_module_installs_with_the_api(self):
        module = self.env["ir.module.module"].search([("name", "=", "g2p_api_consent")])
        self.assertEqual((module.state, module.auto_install), ("installed", True))
        self.assertTrue(module.dependencies_id.filtered(lambda d: d.name == "g2p_partner_api").auto_install_required)

    def test_base_read_hook_alone_grants_nothing(self):
        from ..models.g2p_api_client import G2PApiClient

        client = self.env["g2p.api.client"].create({"name": "Without a consent module"})
        domain = G2PApiClient._readable_registrant_domain(client, "individual:read")
        registrants = self.env["res.partner"].search([("is_registrant", "=", True)])
        self.assertTrue(registrants)
        self.assertFalse(self.env["res.partner"].search_count([("is_registrant", "=", True)] + domain))


@tagged("post_install", "-at_install")
class TestRolesInUserForm(TransactionCase):
    def test_roles_are_selections_without_debug_mode(self):
        by_category = {
            app: (kind, groups) for app, kind, groups, _section in self.env["res.groups"].get_groups_by_application()
        }
        registry = self.env.ref("g2p_partner_api.module_category_g2p_registry")
        api = self.env.ref("g2p_partner_api.module_category_g2p_partner_api")
        self.assertEqual(
            by_category[registry],
            (
                "selection",
                self.env.ref("g2p_partner_api.group_registry_viewer")
                | self.env.ref("g2p_partner_api.group_registry_officer")
                | self.env.ref("g2p_partner_api.group_registry_approver"),
            ),
        )
        self.assertEqual(by_category[api], ("selection", self.env.ref("g2p_partner_api.group_api_manager")))
        self.assertEqual({registry.parent_id, api.parent_id}, {self.env.ref("g2p_partner_api.module_category_g2p")})

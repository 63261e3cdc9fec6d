from uuid import uuid4

from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

API_MANAGER = "base.group_user,g2p_partner_api.group_api_manager"
BASIS = "Social Protection Act 2024, s. 12"


@tagged("post_install", "-at_install")
class TestLegalBasisOnlyByAnAdministrator(JsonRpcAttackMixin, HttpCase):
    """Reading under a legal basis switches the consent check off for a client: an API Manager cannot
    switch it on or reword it over JSON-RPC; a system administrator can, and the change is audited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user("lb_api_manager", API_MANAGER)
        cls._user("lb_admin", "base.group_user,base.group_system")
        scope = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.client = cls.env["g2p.api.client"].create({"name": "Payments MIS", "scope_ids": [(6, 0, scope.ids)]})
        cls.secret = cls.client._generate_secret()
        # no consent of this registrant, for any client
        cls.person = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Chikondi", "family_name": "Phiri"}
        )

    def _read_person(self, uuid=None):
        token = self.url_open(
            "/api/v2/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client.client_id,
                "client_secret": self.secret,
            },
        ).json()["access_token"]
        return self.url_open(
            f"/api/v2/Individual/{uuid or self.person.uuid}", headers={"Authorization": f"Bearer {token}"}
        )

    def _assert_person_answered_as_unknown(self):
        """The person is read as a uuid nobody holds is: 404, the same body but for the uuid."""
        unknown = str(uuid4())
        about, nobody = self._read_person(), self._read_person(unknown)
        self.assertEqual((about.status_code, about.json()["code"]), (404, "not_found"), about.text)
        self.assertEqual(
            about.content.replace(self.person.uuid.encode(), b"<uuid>"),
            nobody.content.replace(unknown.encode(), b"<uuid>"),
        )
        self.assertEqual(set(about.headers), set(nobody.headers))

    def _changes(self):
        return self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("event_type", "=", "org.g2p.partner_api.client_setting_changed")]
        )

    def _state(self):
        self.env.invalidate_all()
        return self.client.read(["legal_basis_enabled", "legal_basis"])[0], self._changes()

    def test_api_manager_cannot_switch_consent_off(self):
        before = self._state()
        self._as("lb_api_manager")
        for vals in ({"legal_basis_enabled": True, "legal_basis": BASIS}, {"legal_basis_enabled": True}):
            with self.subTest(vals=vals):
                result, error = self.call_kw(
                    "g2p.api.client", "write", [[self.client.id], vals], {"context": {"g2p_is_admin": True}}
                )
                self.assertEqual(error, "odoo.exceptions.AccessError")
        created, error = self.call_kw(
            "g2p.api.client",
            "create",
            [{"name": "Reads everyone", "legal_basis_enabled": True, "legal_basis": BASIS}],
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertFalse(self.env["g2p.api.client"].search([("name", "=", "Reads everyone")]))
        self.assertEqual(self._state(), before, "nothing changed")
        self._assert_person_answered_as_unknown()

    def test_api_manager_cannot_reword_a_basis_an_administrator_set(self):
        self.client.write({"legal_basis_enabled": True, "legal_basis": BASIS})
        before = self._state()
        self._as("lb_api_manager")
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"legal_basis": "Whatever the partner wants"}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._state(), before)
        # switching it off (back to the safe value) is every API Manager's to do
        result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], {"legal_basis_enabled": False}])
        self.assertIsNone(error)
        self.assertFalse(self.client.legal_basis_enabled)
        self._assert_person_answered_as_unknown()

    def test_administrator_switches_it_on_audited_and_in_the_chatter(self):
        self._as("lb_admin")
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"legal_basis_enabled": True, "legal_basis": BASIS}]
        )
        self.assertIsNone(error)
        self.assertTrue(self.client.legal_basis_enabled)
        changes = self._changes()
        self.assertEqual(
            sorted((c.action, c.actor, c.old_value, c.new_value) for c in changes),
            [
                ("change legal_basis", "lb_admin", "", BASIS),
                ("change legal_basis_enabled", "lb_admin", "false", "true"),
            ],
        )
        tracked = self.client.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "legal_basis_enabled"
        )
        self.assertTrue(tracked, "the switch is in the client's chatter")
        response = self._read_person()
        self.assertEqual(response.status_code, 200, response.text)
        read = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("resource", "like", self.person.uuid)]
        )
        self.assertEqual(read.legal_basis, BASIS, "the read itself names the basis it was made under")

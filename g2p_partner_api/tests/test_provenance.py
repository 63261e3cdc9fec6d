"""Provenance is recorded by the registry: no user claims a partner system's name (issue #15)."""

from odoo.tests import HttpCase, tagged

from .common import JsonRpcAttackMixin


@tagged("post_install", "-at_install")
class TestProvenanceOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    """An officer cannot attribute a change to a partner system, by context or by field."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("prov_officer", "base.group_user,g2p_partner_api.group_registry_officer")
        cls.partner_client = cls.env["g2p.api.client"].create({"name": "National ID system"})
        cls.person = cls.env["res.partner"].create(
            {"is_registrant": True, "given_name": "Chisomo", "family_name": "Phiri"}
        )

    def _provenance(self):
        return self.person.read(["source_client_id", "last_source_client_id", "last_source_system", "family_name"])[0]

    def test_provenance_cannot_be_claimed(self):
        self._as("prov_officer")
        before = self._provenance()
        forged = {"g2p_provenance": {"client_id": self.partner_client.id, "source_system": "nid"}}
        result, error = self.call_kw("res.partner", "write", [[self.person.id], {"city": "Zomba"}], {"context": forged})
        self.assertIsNone(error, "the edit itself is the officer's right")
        self.assertEqual(self._provenance(), before, "but it is not attributed to the partner system")
        result, error = self.call_kw(
            "res.partner",
            "write",
            [[self.person.id], {"last_source_client_id": self.partner_client.id, "last_source_system": "nid"}],
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        result, error = self.call_kw(
            "res.partner",
            "create",
            [{"is_registrant": True, "given_name": "Forged", "source_client_id": self.partner_client.id}],
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._provenance(), before)
        self.assertFalse(self.env["res.partner"].search([("given_name", "=", "Forged")]))

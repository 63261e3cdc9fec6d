from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .test_disclosures import READ, consent_all


@tagged("post_install", "-at_install")
class TestConsentKeptWithItsClient(JsonRpcAttackMixin, HttpCase):
    """A consent is the record of what a person agreed to and with whom: deleting the client it was given to would
    erase it. A client with consents is archived, not deleted, even by a system administrator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("kept_admin", "base.group_user,base.group_system").partner_id.email = False
        cls.client = cls.env["g2p.api.client"].create({"name": "Cash transfer MIS"})
        person = cls.env["res.partner"].create({"is_registrant": True, "given_name": "Thoko", "family_name": "Banda"})
        cls.consent = consent_all(cls.env, cls.client, person, cls.env.ref(READ), "FORM-KEPT")

    def test_a_client_with_consents_is_archived_not_deleted(self):
        self._as("kept_admin")
        with mute_logger("odoo.sql_db", "odoo.http"):
            _result, error = self.call_kw("g2p.api.client", "unlink", [[self.client.id]])
        self.assertIsNotNone(error, "refused: the consent still names the client")
        self.assertTrue(self.client.exists())
        self.assertEqual(self.consent.exists().client_id, self.client, "the consent and its recipient kept")

        _result, error = self.call_kw("g2p.api.client", "action_archive", [[self.client.id]])
        self.assertIsNone(error)
        self.assertFalse(self.client.active)
        self.assertEqual(self.consent.exists().client_id, self.client)

"""A consent's state moves only through its actions; a withdrawn consent is never active again (issue #15)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


@tagged("post_install", "-at_install")
class TestConsentServerFields(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "consent_officer", groups="g2p_partner_api.group_registry_officer")
        cls.client, cls.secret = cls._create_client("Insurer", scopes=["individual:read"], legal_basis=None)
        cls.other = cls._create_client("Bank", scopes=["individual:read"], legal_basis=None)[0]
        cls.purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        cls.scope_read = cls.env.ref("g2p_partner_api.scope_individual_read")
        cls.scope_group = cls.env.ref("g2p_partner_api.scope_group_read")
        Partner = cls.env["res.partner"]
        cls.with_consent = Partner.create({"is_registrant": True, "given_name": "Agreed", "family_name": "Zztrust"})
        cls.without = Partner.create({"is_registrant": True, "given_name": "Refused", "family_name": "Zztrust"})
        cls.consent = cls.env["g2p.consent"].create(
            {
                "partner_id": cls.with_consent.id,
                "client_id": cls.client.id,
                "purpose_id": cls.purpose.id,
                "scope_ids": [(6, 0, cls.scope_read.ids)],
                "evidence_reference": "FORM-1",
            }
        )

    def _read(self, partner):
        with self._api() as api:
            return api.get(f"/api/v2/Individual/{partner.uuid}", headers=self._auth(self.client, self.secret))

    def _refused(self, partner):
        """A read of ``partner`` answered as a read of a uuid nobody holds."""
        with self._api() as api:
            self.assert_answered_as_unknown(
                api, "GET", "/api/v2/Individual/{uuid}", partner.uuid, headers=self._auth(self.client, self.secret)
            )

    def _state(self, consent):
        consent.invalidate_recordset()
        return consent.read(
            [
                "state",
                "withdrawn_date",
                "withdraw_reason",
                "partner_id",
                "client_id",
                "scope_ids",
                "given_date",
                "expiry_date",
            ]
        )[0]

    def test_officer_cannot_move_state_or_create_a_withdrawn_or_past_consent(self):
        before = self._state(self.consent)
        Consent = self.env["g2p.consent"].with_user(self.officer)
        for vals in (
            {"state": "withdrawn"},
            {"state": "expired"},
            {"withdrawn_date": "2020-01-01 00:00:00"},
            {"withdraw_reason": "forged"},
            {"uuid": "00000000-0000-4000-8000-000000000000"},
        ):
            with self.assertRaises(AccessError, msg=vals):
                self.consent.with_user(self.officer).write(vals)
        count = self.env["g2p.consent"].search_count([])
        with self.assertRaises(AccessError):
            Consent.create(
                {
                    "partner_id": self.without.id,
                    "purpose_id": self.purpose.id,
                    "state": "withdrawn",
                    "scope_ids": [(6, 0, self.scope_read.ids)],
                }
            )
        self.assertEqual((self._state(self.consent), self.env["g2p.consent"].search_count([])), (before, count))

    def test_a_new_consent_is_a_new_record(self):
        before = self._state(self.consent)
        for vals in (
            {"partner_id": self.without.id},
            {"client_id": self.other.id},
            {"client_id": False},
            {"scope_ids": [(4, self.scope_group.id)]},
            {"given_date": "2000-01-01"},
            {"expiry_date": "2999-01-01"},
        ):
            with self.assertRaises(AccessError, msg=vals):
                self.consent.with_user(self.officer).write(vals)
        self.assertEqual(self._state(self.consent), before)
        self._refused(self.without)  # nobody reads the registrant it was pointed at

    def test_withdrawn_consent_never_active_again(self):
        self.consent.with_user(self.officer).action_withdraw("Changed my mind")
        withdrawn = self._state(self.consent)
        self.assertEqual(withdrawn["state"], "withdrawn")
        with self.assertRaises(AccessError):
            self.consent.with_user(self.officer).write({"state": "active"})
        with self.assertRaises(AccessError):
            self.consent.with_user(self.officer).write({"evidence_reference": "FORM-2"})
        with self.assertRaises(UserError):
            self.consent.write({"state": "active"})  # not even server code
        with self.assertRaises(UserError):
            self.consent.with_user(self.officer).action_withdraw()
        self.assertEqual(self._state(self.consent), withdrawn)
        self._refused(self.with_consent)
        renewed = (
            self.env["g2p.consent"]
            .with_user(self.officer)
            .create(
                {
                    "partner_id": self.with_consent.id,
                    "client_id": self.client.id,
                    "purpose_id": self.purpose.id,
                    "scope_ids": [(6, 0, self.scope_read.ids)],
                }
            )
        )
        self.assertNotEqual(renewed.uuid, self.consent.uuid)
        self.assertEqual((renewed.state, self._read(self.with_consent).status_code), ("active", 200))

    def test_viewer_cannot_withdraw(self):
        viewer = new_test_user(self.env, "consent_viewer", groups="g2p_partner_api.group_registry_viewer")
        with self.assertRaises(AccessError):
            self.consent.with_user(viewer).action_withdraw("not mine to withdraw")
        self.assertEqual(self.consent.state, "active")

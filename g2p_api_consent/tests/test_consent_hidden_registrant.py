"""A consent's answers (read, receipt) name its registrant only when the REST app's record rules let the client
read it: a registrant of another registry's company is answered as one the client may not read, also to a client
reading under a legal basis."""

import json

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


@tagged("post_install", "-at_install")
class TestConsentHiddenRegistrant(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Legal basis recipient", scopes=["individual:read", "consent:write"]
        )
        other = cls.env["res.company"].create({"name": "Another registry (consent)"})
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.elsewhere = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Hidden",
                "family_name": "Zzconsentelsewhere",
                "company_id": other.id,
                "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": "77009876"})],
            }
        )
        cls.consent = cls.env["g2p.consent"].create(
            {
                "partner_id": cls.elsewhere.id,
                "client_id": cls.client.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_individual_read").ids)],
                "evidence_reference": "FORM-HIDDEN",
            }
        )

    def _answers(self, scope=None):
        headers = self._auth(self.client, self.secret, scope)
        with self._api() as api:
            read = api.get(f"/api/v2/Consent/{self.consent.uuid}", headers=headers)
            receipt = api.get(f"/api/v2/Consent/{self.consent.uuid}/receipt", headers=headers)
        return read, receipt

    def test_consent_answers_do_not_name_a_registrant_the_rules_hide(self):
        read, receipt = self._answers()
        for response in (read, receipt):
            self.assertEqual(response.status_code, 200, response.text)
            self.assertNotIn(self.elsewhere.uuid, response.text)
            self.assertNotIn("77009876", response.text)
        self.assertIsNone(read.json()["registrant"])
        named = receipt.json()["receipt"]
        self.assertEqual((named["registrant"], named["registrant_identifiers"]), (None, []))
        # the answers of the same client when it may not read the registrant (no individual:read in its token)
        unreadable, _receipt = self._answers("consent:write")
        self.assertEqual(json.loads(read.text), json.loads(unreadable.text))
        self.assertFalse(self.env["g2p.api.disclosure"].sudo().search([("partner_id", "=", self.elsewhere.id)]))
        audits = self._audit_rows(client_id=self.client.id)
        self.assertNotIn(self.elsewhere.uuid, str(audits.read([f for f in audits._fields if f != "id"])))

    def test_consent_answers_name_the_registrant_once_readable(self):
        self.elsewhere.company_id = self.rest_endpoint.company_id
        read, receipt = self._answers()
        self.assertEqual(read.json()["registrant"], self.elsewhere.uuid)
        self.assertEqual(receipt.json()["receipt"]["registrant"], self.elsewhere.uuid)

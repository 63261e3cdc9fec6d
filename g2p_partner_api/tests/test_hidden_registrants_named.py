"""A registrant the REST app's record rules hide (another registry's company) is never named by a create's 409: it is
answered exactly as a registrant the client may not read, also to a client reading under a legal basis (whose
consent hook restricts nothing)."""

from odoo.tests import tagged

from . import test_rest_registration_oracles as oracles
from .common import G2PApiCase

NID = "urn:g2p:id:national-id"
SIMILAR = {"given_name": "Thandiwe", "family_name": "Zzelsewhere", "birthdate": "1983-02-11"}


@tagged("post_install", "-at_install")
class TestHiddenRegistrantsNotNamed(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        scopes = ["individual:read", "individual:write"]
        # reads every registrant of its registry under a legal basis
        cls.client, cls.secret = cls._create_client("Registry law partner", scopes=scopes)
        # reads nobody: no consent and no legal basis
        cls.writer, cls.writer_secret = cls._create_client("Consent partner", scopes=scopes, legal_basis=None)
        other = cls.env["res.company"].create({"name": "Another registry (hidden names)"})
        national = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.elsewhere = cls.env["res.partner"].create(
            dict(
                SIMILAR,
                is_registrant=True,
                company_id=other.id,
                reg_id_ids=[(0, 0, {"id_type_id": national.id, "value": "66610001"})],
            )
        )

    def _post(self, body, client=None, secret=None, **params):
        with self._api() as api:
            return api.post(
                "/api/v2/Individual",
                json=body,
                params=params,
                headers=self._auth(client or self.client, secret or self.secret),
            )

    def _registrants(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    def assertNotNamed(self, *responses):
        for response in responses:
            self.assertNotIn(self.elsewhere.uuid, response.text)
        audits = self._audit_rows(client_id=self.client.id)
        self.assertNotIn(self.elsewhere.uuid, str(audits.read([f for f in audits._fields if f != "id"])))
        disclosures = self.env["g2p.api.disclosure"].sudo().search([("partner_id", "=", self.elsewhere.id)])
        self.assertFalse(disclosures, "no disclosure names the hidden registrant")

    def test_similar_person_of_another_registry_answers_as_nobody(self):
        """check_duplicates: a similar person the rules hide is no candidate: the individual is registered (201)
        exactly as when nobody similar is registered."""
        similar = self._post(SIMILAR, check_duplicates="true")
        self.assertEqual(similar.status_code, 201, similar.text)
        self.assertNotNamed(similar)
        created = self.env["res.partner"].search([("uuid", "=", similar.json()["uuid"])])
        (created | self.elsewhere).unlink()
        nobody = self._post(SIMILAR, check_duplicates="true")
        self.assertEqual(nobody.status_code, 201, nobody.text)
        seen = oracles.TestRegistrationAnswersAlike._seen
        self.assertEqual(seen(similar), seen(nobody))

    def test_identifier_held_in_another_registry_names_nobody(self):
        """A shared identifier stays a 409 ``duplicate`` (nothing written), naming nobody: the answer a client that
        may not read the holder gets, byte for byte."""
        count = self._registrants()
        body = {"given_name": "Copy", "identifiers": [{"system": NID, "value": "66610001"}]}
        hidden = self._post(body)
        unreadable = self._post(body, self.writer, self.writer_secret)
        self.assertEqual(hidden.status_code, 409, hidden.text)
        self.assertEqual((hidden.json()["code"], hidden.json()["candidates"]), ("duplicate", []))
        seen = oracles.TestRegistrationAnswersAlike._seen
        self.assertEqual(seen(hidden, "66610001"), seen(unreadable, "66610001"))
        self.assertNotNamed(hidden)
        self.assertEqual(self._registrants(), count, "nothing registered")

    def test_readable_similar_person_is_still_named(self):
        """The same person in the client's registry is a candidate (the check above is no blanket refusal)."""
        home = self.rest_endpoint.company_id
        self.elsewhere.company_id = home
        count = self._registrants()
        asked = self._post(SIMILAR, check_duplicates="true")
        self.assertEqual(asked.status_code, 409, asked.text)
        error = asked.json()
        self.assertEqual((error["code"], error["candidates"]), ("possible_duplicate", [self.elsewhere.uuid]))
        self.assertEqual(self._registrants(), count)

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_api.tests.test_change_feed import ChangeFeedCase

NID = "urn:g2p:id:national-id"


def _consent_vals(env, partner_ids, client_id):
    purpose = env.ref("g2p_api_consent.vocab_consent_purpose_payment")
    scope = env.ref("g2p_partner_api.scope_individual_read")
    return [
        {
            "partner_id": partner_id,
            "client_id": client_id,
            "purpose_id": purpose.id,
            "scope_ids": [(6, 0, scope.ids)],
            "evidence_reference": "FORM-PULL",
        }
        for partner_id in partner_ids
    ]


@tagged("post_install", "-at_install")
class TestConsentChangeFeed(ChangeFeedCase):
    """The feed lists only the registrants the client may read, and pages as if the others did not exist."""

    def test_unconsented_changes_are_neither_listed_nor_counted(self):
        people = self._committed_individuals("Consented", "Unconsented", "Consented too")
        headers = self._committed_client(legal_basis=False)
        with self._committed() as env:
            env["g2p.consent"].create(_consent_vals(env, [people[0][0], people[2][0]], self.client_ids[0]))
        since = self._follow(headers, "0")[1]
        with self._committed() as env:
            env["res.partner"].browse([pid for pid, _uuid in people]).write({"addl_name": "Changed"})
            env["res.partner"].browse(people[1][0])._archive_registrant("Moved away")
        first = self._page(headers, since=since, _count=2)
        self.assertEqual(self._uuids(first["items"]), [people[0][1], people[2][1]], "a full page of readable ones")
        self.assertTrue(first["has_more"])
        rest = self._follow(headers, first["next_since"])[0]
        self.assertEqual(rest, [], "no tombstone, no empty slot for the unconsented one")


@tagged("post_install", "-at_install")
class TestConsentLookup(G2PApiCase):
    """A registrant the client may not read is answered exactly as an unknown identifier."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Lookup reader", scopes=["individual:read"], legal_basis=None)
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.people = cls.env["res.partner"].create(
            [
                {
                    "is_registrant": True,
                    "given_name": "Pull",
                    "family_name": f"Consent{i}",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"6600{i:05d}"})],
                }
                for i in range(3)
            ]
        )
        cls.env["g2p.consent"].create(_consent_vals(cls.env, cls.people[:1].ids, cls.client.id))

    def test_unreadable_answers_as_unknown(self):
        values = ["660000000", "660000001", "669999999"]
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual/$lookup",
                json={"identifiers": [{"system": NID, "value": v} for v in values]},
                headers=self._auth(self.client, self.secret),
            )
        self.assertEqual(response.status_code, 200, response.text)
        found, unreadable, unknown = response.json()["items"]
        self.assertEqual((found["status"], found["individual"]["uuid"]), ("found", self.people[0].uuid))
        self.assertEqual(unreadable, dict(unknown, value="660000001"), "unreadable and unknown alike")
        self.assertEqual(unknown["status"], "not_found")

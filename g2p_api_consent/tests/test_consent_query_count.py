from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_api.tests.query_log import queries_of

# a whole call through the mounted app, consent rule included (see g2p_partner_api's test_query_count): three more
# than the page without consent there (the consent rule reads the technical user and its partner once per call; the
# groups the client may read are one query)
MAX_QUERIES_PAGE = 8


@tagged("post_install", "-at_install")
class TestConsentQueryCount(G2PApiCase):
    """Consent costs a fixed number of queries per call: the rule is built once, checked in SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Consented reader", scopes=["individual:read", "group:read"], legal_basis=None
        )
        purpose = cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment")
        scopes = cls.env.ref("g2p_partner_api.scope_individual_read") | cls.env.ref("g2p_partner_api.scope_group_read")
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        Partner = cls.env["res.partner"]
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": "Qconsent",
                    "family_name": f"Person{i:02d}",
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"9800{i:05d}"})],
                }
                for i in range(40)
            ]
        )
        cls.group = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "is_company": True,
                "name": "Qconsent home",
                "group_member_ids": [(0, 0, {"individual_id": p.id}) for p in cls.people[:6]],
            }
        )
        consented = cls.people[::2] | cls.group
        cls.env["g2p.consent"].create(
            [
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": purpose.id,
                    "scope_ids": [(6, 0, scopes.ids)],
                    "evidence_reference": "FORM-Q",
                }
                for partner in consented
            ]
        )

    def _queries(self, api, url, headers, **params):
        response, count = queries_of(self.env, lambda: api.get(url, params=params, headers=headers))
        self.assertEqual(response.status_code, 200, response.text)
        return response, count

    def test_pages_cost_fixed_queries_under_consent(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self._queries(api, "/api/v2/Individual", headers, name="Qconsent", _count=1)
            one, one_count = self._queries(api, "/api/v2/Individual", headers, name="Qconsent", _count=1)
            page, page_count = self._queries(api, "/api/v2/Individual", headers, name="Qconsent", _count=30)
        self.assertEqual((page.json()["total"], len(page.json()["items"])), (20, 20))
        self.assertEqual(one.json()["total"], 20)
        self.assertLessEqual(page_count, MAX_QUERIES_PAGE)
        self.assertLessEqual(page_count, one_count, "a page of 20 costs no more than a page of 1")

    def test_consent_rule_built_once_per_call(self):
        headers = self._auth(self.client, self.secret)
        Consent = type(self.env["g2p.consent"])
        with (
            self._api() as api,
            patch.object(Consent, "_current_domain", autospec=True, side_effect=Consent._current_domain) as built,
        ):
            response = api.get(f"/api/v2/Group/{self.group.uuid}", headers=headers)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(len(response.json()["members"]), 3, "members without consent are left out")
            self.assertEqual(built.call_count, 1, "group and members are checked with one rule")
            api.get(f"/api/v2/Group/{self.group.uuid}", headers=headers)
            self.assertEqual(built.call_count, 2, "the next call builds it again (a consent may have ended)")

from odoo.tests import tagged

from .common import G2PApiCase
from .query_log import logged_queries


@tagged("post_install", "-at_install")
class TestCompanyRuleSnapshot(G2PApiCase):
    """The multi-company rule on partners (``company_id parent_of`` the endpoint's company) reads the company's
    ``parent_path`` from each worker's snapshot (``g2p.reference.data._put_company_paths``), not by a query per
    call, and hides what it hid: with the endpoint in a branch, registrants of the branch, of its parent and of
    no company are read; those of a sibling branch and of another registry are answered as unknown, and no
    disclosure is recorded for them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Company rule", scopes=["individual:read"])
        Company = cls.env["res.company"]
        main = cls.rest_endpoint.company_id
        cls.branch = Company.create({"name": "Northern branch", "parent_id": main.id})
        sibling = Company.create({"name": "Southern branch", "parent_id": main.id})
        other = Company.create({"name": "Another registry"})
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")

        def person(name, value, company):
            return cls.env["res.partner"].create(
                {
                    "is_registrant": True,
                    "given_name": name,
                    "family_name": "Companyrule",
                    "company_id": company.id,
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": value})],
                }
            )

        cls.shown = {
            "770000001": person("Branch", "770000001", cls.branch),
            "770000002": person("Parent", "770000002", main),
            "770000003": person("Nocompany", "770000003", Company),
        }
        cls.hidden = {
            "770000004": person("Sibling", "770000004", sibling),
            "770000005": person("Other", "770000005", other),
        }
        # the endpoint moves to the branch: its calls work in the branch (the app is built again)
        user = cls.rest_endpoint.user_id
        user.write({"company_ids": [(4, cls.branch.id)], "company_id": cls.branch.id})
        cls.rest_endpoint.company_id = cls.branch

    def _disclosed(self, partners):
        return self.env["g2p.api.disclosure"].sudo().search_count([("partner_id", "in", partners.ids)])

    def test_rule_hides_what_it_hid_without_a_company_query(self):
        self.assertEqual(self.rest_endpoint.company_id, self.branch)
        headers = self._auth(self.client, self.secret)
        hidden = self.env["res.partner"].browse([p.id for p in self.hidden.values()])
        disclosed_before = self._disclosed(hidden)
        with self._api(self.rest_endpoint) as api:
            api.get("/api/v2/Individual", params={"identifier": "urn:g2p:id:national-id|770000001"}, headers=headers)
            for value, partner in self.shown.items():
                with logged_queries(self.env) as queries:
                    found = api.get(
                        "/api/v2/Individual", params={"identifier": f"urn:g2p:id:national-id|{value}"}, headers=headers
                    )
                self.assertEqual([item["uuid"] for item in found.json()["items"]], [partner.uuid], found.text)
                self.assertEqual(api.get(f"/api/v2/Individual/{partner.uuid}", headers=headers).status_code, 200)
                company_reads = [q for q in queries.statements if q.startswith('SELECT "res_company"')]
                self.assertFalse(company_reads, f"queries of the call:\n{queries}")
            for value, partner in self.hidden.items():
                found = api.get(
                    "/api/v2/Individual", params={"identifier": f"urn:g2p:id:national-id|{value}"}, headers=headers
                )
                self.assertEqual((found.status_code, found.json()["total"]), (200, 0), found.text)
                self.assert_answered_as_unknown(api, "get", "/api/v2/Individual/{uuid}", partner.uuid, headers=headers)
        self.assertEqual(self._disclosed(hidden), disclosed_before)

    def test_snapshot_holds_the_companies_paths(self):
        """What the rule reads from the snapshot is the table's ``parent_path``, a company created since included."""
        new = self.env["res.company"].create({"name": "Created since", "parent_id": self.branch.id})
        self.env.flush_all()
        self.env.cr.execute("SELECT id, parent_path FROM res_company")
        in_table = dict(self.env.cr.fetchall())
        self.env.invalidate_all()
        self.env["g2p.reference.data"]._put_company_paths(list(in_table))
        Company = self.env["res.company"]
        cached = {cid: self.env.cache.get(Company.browse(cid), Company._fields["parent_path"]) for cid in in_table}
        self.assertEqual(cached, in_table)
        self.assertTrue(in_table[new.id].startswith(self.branch.parent_path))

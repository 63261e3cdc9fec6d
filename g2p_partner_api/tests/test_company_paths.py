from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCompanyPathCache(TransactionCase):
    """The companies' ``parent_path`` the multi-company rules read comes from the worker's cache
    (``res.company._g2p_prime_parent_paths``): the ORM's value, for companies made later too, and the
    hierarchy it relies on cannot change."""

    def test_primed_paths_are_the_orms(self):
        Company = self.env["res.company"]
        parent = Company.create({"name": "Path parent"})
        child = Company.create({"name": "Path child", "parent_id": parent.id})
        companies = self.env.company | parent | child
        expected = {company.id: company.parent_path for company in companies}
        self.assertTrue(expected[child.id].startswith(expected[parent.id]), expected)
        self.env.invalidate_all()
        companies._g2p_prime_parent_paths()
        with self.assertQueryCount(0):
            self.assertEqual({company.id: company.parent_path for company in companies}, expected)
        # the rule's domain is what it was: the same partners visible from the child company
        partner = self.env["res.partner"].create({"name": "Parent's partner", "company_id": parent.id})
        stranger = self.env["res.partner"].create({"name": "Child's partner", "company_id": child.id})
        user = self.env["res.users"].create(
            {
                "name": "Path user",
                "login": "g2p-path-user",
                "company_id": parent.id,
                "company_ids": [(6, 0, (parent | child).ids)],
            }
        )
        self.env.invalidate_all()
        (child | parent)._g2p_prime_parent_paths()
        found = self.env(user=user, context={"allowed_company_ids": child.ids})["res.partner"].search(
            [("id", "in", (partner | stranger).ids)]
        )
        self.assertEqual(found, partner | stranger, "a parent company's partner is seen from its child")
        found = self.env(user=user, context={"allowed_company_ids": parent.ids})["res.partner"].search(
            [("id", "in", (partner | stranger).ids)]
        )
        self.assertEqual(found, partner, "a child company's partner is not seen from its parent")

    def test_the_hierarchy_never_changes(self):
        """What keeps a cached path right: Odoo refuses to move a company in the hierarchy."""
        Company = self.env["res.company"]
        parent, other = Company.create([{"name": "Fixed parent"}, {"name": "Elsewhere"}])
        child = Company.create({"name": "Fixed child", "parent_id": parent.id})
        path = child.parent_path
        with self.assertRaises(UserError):
            child.parent_id = other
        self.assertEqual(child.parent_path, path)

from odoo import Command
from odoo.tests import tagged
from odoo.tools.cache import STAT

from ..services import rule_query_cache
from .common import G2PApiCase

# the relations a REST read loads in one statement (orm_prefetch.prefetch_lines_at_once), with the domain each
# hop's query starts from
HOPS = {
    "g2p.reg.id": "partner_id",
    "g2p.group.membership": "individual_id",
    "g2p.vocabulary.code": None,
    "res.partner": None,
}


@tagged("post_install", "-at_install")
class TestRuleQueryCache(G2PApiCase):
    """``rule_query_cache.search`` is ``_search``: the same SQL and parameters, as the endpoint's user, for each
    relation of a read, with the suite's rules, an integrator's rules of every kind the worker keeps, and rules
    whose SQL reads data (built at each call). What it keeps is keyed by what the SQL is made of."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runner_group = cls.env.ref("g2p_partner_api.group_partner_api_runner")
        cls.person = cls.env["res.partner"].create({"is_registrant": True, "given_name": "Rq", "family_name": "Cache"})

    def _env(self):
        endpoint = self.rest_endpoint
        return self.env(user=endpoint.user_id, context=dict(allowed_company_ids=[endpoint.company_id.id]))

    def _rule(self, model, domain, groups=True):
        return self.env["ir.rule"].create(
            {
                "name": f"Rule cache test: {model}",
                "model_id": self.env["ir.model"]._get_id(model),
                "groups": [Command.link(self.runner_group.id)] if groups else [],
                "domain_force": domain,
            }
        )

    def _same_queries(self, **context):
        """Each hop's query through the cache (twice: a miss, then a hit) is the ORM's, byte for byte."""
        env = self._env()
        for model_name, inverse in HOPS.items():
            model = env[model_name].with_context(**context)
            domain = [(inverse, "in", self.person.ids)] if inverse else []
            for order in (model._order, None):
                orm = model._search(domain, order=order).select()
                for _time in range(2):
                    cached = rule_query_cache.search(model, domain, order=order).select()
                    self.assertEqual((cached.code, cached.params), (orm.code, orm.params), f"{model_name} {order}")
            window = model._search(domain, offset=20, limit=11, order="id desc").select()
            cached = rule_query_cache.search(model, domain, offset=20, limit=11, order="id desc").select()
            self.assertEqual((cached.code, cached.params), (window.code, window.params), model_name)

    def _hits(self, model_name):
        return STAT[(self.env.cr.dbname, model_name, rule_query_cache._rules_where.__cache__.method)].hit

    def test_same_query_as_the_orm(self):
        self.env["res.lang"]._activate_lang("fr_FR")  # the vocabularies' order is by their translated name
        self._same_queries()
        self._same_queries(active_test=False)
        self._same_queries(lang="fr_FR")

    def test_suite_rules_are_kept(self):
        """The rules on partners (the multi-company ``parent_of``, the runner's registrants) are of the kept kind,
        and a second search takes them from the worker's cache."""
        env = self._env()
        partners = env["res.partner"]
        domain = env["ir.rule"]._compute_domain("res.partner", "read")
        self.assertTrue(domain)
        self.assertIsNotNone(rule_query_cache.rules_key(partners, domain), domain)
        rule_query_cache.search(partners, [])
        hits = self._hits("res.partner")
        rule_query_cache.search(partners, [])
        self.assertEqual(self._hits("res.partner"), hits + 1)

    def test_integrator_rules_same_query(self):
        """Rules of every form the worker keeps, and forms it builds at each call (paths, names, ``any``, a
        hierarchy without ``parent_path``, a non-stored field's search): the ORM's SQL either way."""
        kept = {
            "g2p.reg.id": "['|', ('value', 'not ilike', 'X%'), ('id_type_id', 'in', [1, 2, False])]",
            "g2p.group.membership": "[('start_date', '<=', '2099-01-01'), ('id', '!=', 0)]",
            "g2p.vocabulary.code": "['!', ('code', '=', 'nobody'), (1, '=', 1)]",
            "res.partner": "[('company_id', 'child_of', company_ids)]",
        }
        rules = {model: self._rule(model, domain) for model, domain in kept.items()}
        env = self._env()
        for model_name in kept:
            domain = env["ir.rule"]._compute_domain(model_name, "read")
            self.assertIsNotNone(rule_query_cache.rules_key(env[model_name], domain), (model_name, domain))
        self._same_queries()
        built = {
            "g2p.reg.id": "[('id_type_id.name', '!=', 'Passport')]",
            "g2p.group.membership": "[('group_id', 'child_of', [%d])]" % self.person.id,
            "g2p.vocabulary.code": "[('vocabulary_id', '=', 'Gender')]",
            "res.partner": "[('user_ids', 'any', [('active', '=', True)])]",
        }
        for model, domain in built.items():
            rules[model].domain_force = domain
        env = self._env()
        for model_name in built:
            domain = env["ir.rule"]._compute_domain(model_name, "read")
            self.assertIsNone(rule_query_cache.rules_key(env[model_name], domain), (model_name, domain))
        self._same_queries()

    def test_key_holds_the_paths_a_hierarchy_reads(self):
        """``parent_of`` / ``child_of`` on a tree stored with ``parent_path``: the key holds the paths the SQL is
        made of, so the same domain over another tree is another entry."""
        env = self._env()
        partners = env["res.partner"]
        company = self.rest_endpoint.company_id
        domain = [("company_id", "child_of", [company.id])]
        key = rule_query_cache.rules_key(partners, domain)
        self.assertEqual(key, (repr(domain), ((company.parent_path,),)))
        # what the ORM's SQL reads of the tree, as it reads it
        company.invalidate_recordset(["parent_path"])
        self.addCleanup(company.invalidate_recordset, ["parent_path"])
        self.env.cache.update(company.sudo(), company._fields["parent_path"], ["9999/"])
        self.assertEqual(rule_query_cache.rules_key(partners, domain)[1], (("9999/",),))

from unittest.mock import patch

import anyio.to_thread

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.query_log import logged_queries

from ..services.dci_query import SCOPE
from ..services.dci_search import counted_page
from .common import DciRulesCase


@tagged("post_install", "-at_install")
class TestDciCountedPage(DciRulesCase):
    """An expression page's count and records come from one ``_search`` (``dci_search.counted_page``): the
    rows of ``search_count`` + ``search_fetch`` under every rule (multi-company, consent withdrawn or never
    given, archived), and each rule still hides what it hides."""

    PEOPLE = (6, "Countedpage", "6610", "6620")

    def test_same_rows_as_search_count_and_search_fetch(self):
        env = self._api_env()
        Partner, client = env["res.partner"], self.client.with_env(env)
        register = env.ref("g2p_dci_search.register_individual")
        domain = (
            register._base_domain() + [("family_name", "=", "Countedpage")] + client._readable_registrant_domain(SCOPE)
        )
        for offset, limit, order in ((0, 4, "id"), (4, 4, "id"), (0, 10, "given_name desc, id desc"), (8, 4, None)):
            total, page = counted_page(Partner, domain, ["given_name", "birthdate"], order, offset, limit)
            self.assertEqual(total, Partner.search_count(domain))
            self.assertEqual(
                page, Partner.search_fetch(domain, ["given_name"], order=order, offset=offset, limit=limit)
            )

        def page_of(model, domain):
            return counted_page(model, domain, ["given_name"], "id", 0, 20)

        self.assertEqual(page_of(Partner, domain), (6, self.shown), "each rule hides its registrant")
        self.assertEqual(page_of(Partner, domain + [("id", "in", self.hidden.ids)]), (0, Partner))
        # the rules are what hides them: without record rules, consent and the archive filter they match
        unruled = [("family_name", "=", "Countedpage"), ("active", "in", (True, False))]
        self.assertEqual(page_of(Partner.sudo(), unruled)[1], self.shown | self.hidden)

    def test_one_statement_unless_past_the_last_match(self):
        """The count is a subquery of the page's statement; it runs apart only when the page is empty at an
        offset (past the last match): no statement for it when nothing matches from the first page."""
        env = self._api_env()
        Partner, client = env["res.partner"], self.client.with_env(env)
        register = env.ref("g2p_dci_search.register_individual")
        domain = (
            register._base_domain() + [("family_name", "=", "Countedpage")] + client._readable_registrant_domain(SCOPE)
        )
        nobody = domain + [("given_name", "=", "Nobody")]
        counted_page(Partner, domain, ["given_name"], "id", 0, 4)  # the rules' domains cached
        shown = self.shown.sorted("id").mapped("given_name")
        for page_domain, offset, total in ((domain, 0, 6), (domain, 4, 6), (domain, 8, 6), (nobody, 0, 0)):
            env.invalidate_all()
            # what the middleware does for each call: the company rule's path from the worker's snapshot
            env["g2p.reference.data"]._put_company_paths(env.context["allowed_company_ids"])
            before = env.cr.sql_log_count
            page = counted_page(Partner, page_domain, ["given_name"], "id", offset, 4)
            names = page[1].mapped("given_name")  # from the cache the page's statement filled
            statements = env.cr.sql_log_count - before
            self.assertEqual((page[0], names), (total, shown[offset : offset + 4] if total else []))
            self.assertEqual(statements, 2 if offset >= 8 else 1, f"offset {offset}: {statements} statements")

    def test_page_through_the_route(self):
        item = self.item("expression", {"family_name": "Countedpage"}, pagination={"page_size": 4, "page_number": 2})
        answer = self.search(self.envelope([item])).json()["message"]["search_response"][0]
        self.assertEqual(answer["pagination"]["total_count"], 6, answer)
        self.assertEqual([r["name"]["given_name"] for r in answer["data"]["reg_records"]], ["Shown04", "Shown05"])
        empty = self.item("expression", {"family_name": "Nobody Countedpage"})
        answer = self.search(self.envelope([empty])).json()["message"]["search_response"][0]
        self.assertEqual((answer["status"], answer["pagination"]["total_count"]), ("succ", 0), answer)
        self.assertEqual(answer["data"]["reg_records"], [])

    def test_page_reads_no_company_and_crosses_no_thread(self):
        """The multi-company rule's ``parent_of`` takes the endpoint company's path from the worker's cache (no
        ``res_company`` statement) and still hides the registrant of another company; the call's dependencies
        run in its own thread (no hop to a worker thread and back, no thread started per call)."""
        item = self.item("expression", {"family_name": "Countedpage"}, pagination={"page_size": 10})
        headers = self._auth(self.client, self.secret)
        hops = []
        run_sync = anyio.to_thread.run_sync

        async def counted_run_sync(function, *args, **kwargs):
            hops.append(getattr(function, "__qualname__", repr(function)))
            return await run_sync(function, *args, **kwargs)

        with self._api() as api:
            warm = api.post("/dci/registry/sync/search", json=self.envelope([item]), headers=headers)
            self.assertEqual(warm.status_code, 200, warm.text)
            self.env.invalidate_all()  # the call's transaction cache holds no company row either
            item = dict(item, reference_id=f"again-{item['reference_id']}")
            with patch.object(anyio.to_thread, "run_sync", counted_run_sync), logged_queries(self.env) as queries:
                response = api.post("/dci/registry/sync/search", json=self.envelope([item]), headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()["message"]["search_response"][0]
        self.assertEqual(answer["pagination"]["total_count"], 6, "the other company's registrant stays hidden")
        self.assertEqual(
            [r["name"]["given_name"] for r in answer["data"]["reg_records"]], [f"Shown{i:02d}" for i in range(6)]
        )
        self.assertFalse([q for q in queries.statements if "res_company" in q], str(queries))
        self.assertEqual(hops, [], "no worker-thread hop")

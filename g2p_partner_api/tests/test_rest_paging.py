import base64
import re
from urllib.parse import parse_qs, urlsplit

from odoo.tests import tagged

from .common import G2PApiCase
from .plans import explain, nodes, ran_queries, table_copy

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def link_header(response):
    """The RFC 8288 Link header of ``response`` as {rel: url}."""
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


@tagged("post_install", "-at_install")
class TestRestPaging(G2PApiCase):
    """Searches answer links to their neighbours; following next visits each record once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Paging reader",
            scopes=["individual:read", "group:read", "program:read", "membership:read"],
            all_programs=True,
            rate_limit_per_minute=-1,
        )
        cls.Partner = cls.env["res.partner"]
        cls.walkers = cls.Partner.create(
            [{"name": f"Pagewalk {i:03d}", "is_registrant": True, "given_name": "Pagewalk"} for i in range(30)]
        )

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _get(self, api, url, **params):
        response = api.get(url, params=params or None, headers=self.headers)  # {} would drop the link's query
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(link_header(response), response.json()["links"], "Link header and body links agree")
        return response.json()

    def _walk(self, api, url, on_page=None, **params):
        """Every page from the first along ``next``; the items' uuids in the order seen."""
        seen, body = [], self._get(api, url, **params)
        while True:
            seen += [item["uuid"] for item in body["items"]]
            if on_page:
                on_page(body, seen)
            if "next" not in body["links"]:
                return seen, body
            body = self._get(api, body["links"]["next"])

    def _visible(self, **extra):
        return self.Partner.search([("is_registrant", "=", True), ("is_group", "=", False)] + list(extra.items()))

    def test_next_visits_every_record_once_while_records_are_added_and_archived(self):
        added, archived = self.Partner, self.Partner
        pages = []

        def change_between_fetches(body, seen):
            nonlocal added, archived
            pages.append(body)
            if "next" not in body["links"]:
                return
            added |= self.Partner.create({"name": f"Late comer {len(pages)}", "is_registrant": True})
            not_yet_seen = self.walkers.filtered(lambda p: p.active and p.uuid not in seen)[-1:]
            not_yet_seen.action_archive()
            archived |= not_yet_seen

        with self._api() as api:
            seen, last = self._walk(api, "/api/v2/Individual", on_page=change_between_fetches, _count=7)
        self.assertEqual(len(seen), len(set(seen)), "no record is answered twice")
        self.assertEqual(set(seen), set(self._visible().mapped("uuid")), "every record still there is visited")
        self.assertTrue(set(added.mapped("uuid")) <= set(seen), "records added meanwhile come at the end")
        self.assertFalse(set(archived.mapped("uuid")) & set(seen), "records archived before their page are not")
        self.assertGreater(len(pages), 3)
        self.assertNotIn("prev", pages[0]["links"])
        self.assertIn("prev", pages[1]["links"])
        self.assertEqual([body["page"] for body in pages], list(range(1, len(pages) + 1)))
        self.assertEqual(last["total"], len(self._visible()))

    def test_prev_answers_the_page_before(self):
        with self._api() as api:
            first = self._get(api, "/api/v2/Individual", _count=5, _sort="name")
            second = self._get(api, first["links"]["next"])
            third = self._get(api, second["links"]["next"])
            back = self._get(api, third["links"]["prev"])
            back_again = self._get(api, back["links"]["prev"])
        self.assertEqual(back["items"], second["items"])
        self.assertEqual((back["page"], back_again["page"]), (2, 1))
        self.assertEqual(back_again["items"], first["items"])
        self.assertNotIn("prev", back_again["links"], "the first page has no previous page")
        self.assertIn("_sort=name", back["links"]["next"])

    def test_sort_orders_are_honoured(self):
        names = sorted(self._visible().mapped("name"))
        with self._api() as api:
            by_name, _last = self._walk(api, "/api/v2/Individual", _count=50, _sort="name")
            by_name_desc = self._get(api, "/api/v2/Individual", _count=3, _sort="-name")
            recent = self._get(api, "/api/v2/Individual", _count=3, _sort="-write_date")
        uuid_to_name = {p.uuid: p.name for p in self._visible()}
        self.assertEqual([uuid_to_name[u] for u in by_name], names)
        self.assertEqual([item["name"] for item in by_name_desc["items"]], names[::-1][:3])
        latest = self._visible().search(
            [("is_registrant", "=", True), ("is_group", "=", False)], order="write_date desc, id desc", limit=3
        )
        self.assertEqual([item["uuid"] for item in recent["items"]], latest.mapped("uuid"))

    def test_unknown_sort_is_refused_naming_it(self):
        with self._api() as api:
            response = api.get("/api/v2/Individual", params={"_sort": "birthplace"}, headers=self.headers)
        self.assertEqual(response.status_code, 400, response.text)
        error = response.json()
        self.assertEqual(self.problem_fields(response)[0], "_sort")
        self.assertIn("birthplace", error["detail"])

    def test_tampered_or_foreign_cursor_is_refused(self):
        with self._api() as api:
            first = self._get(api, "/api/v2/Individual", _count=2)
            cursor = parse_qs(urlsplit(first["links"]["next"]).query)["_cursor"][0]
            raw = bytearray(base64.urlsafe_b64decode(cursor))
            raw[-40] ^= 1
            tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
            answers = [
                api.get("/api/v2/Individual", params={"_cursor": value}, headers=self.headers)
                for value in (tampered, "eyJpIjogMX0", "not a cursor")
            ]
            answers.append(api.get("/api/v2/Group", params={"_cursor": cursor}, headers=self.headers))
            answers.append(
                api.get("/api/v2/Individual", params={"_cursor": cursor, "_sort": "name"}, headers=self.headers)
            )
            answers.append(api.get("/api/v2/Individual", params={"_cursor": cursor, "_page": 2}, headers=self.headers))
        for response in answers:
            self.assertEqual(response.status_code, 400, response.text)
        fields = [self.problem_fields(response)[0] for response in answers]
        self.assertEqual(fields, ["_cursor"] * 4 + ["_sort", "_page"])
        self.assertNotIn(b'"i"', raw, "the cursor's content is not readable")

    def test_offset_pages_still_work_and_link_by_cursor(self):
        with self._api() as api:
            second = self._get(api, "/api/v2/Individual", _page=2, _count=5)
            first = self._get(api, "/api/v2/Individual", _page=1, _count=5)
            third = self._get(api, second["links"]["next"])
            prev = self._get(api, second["links"]["prev"])
            by_offset = self._get(api, "/api/v2/Individual", _page=3, _count=5)
        self.assertEqual(second["page"], 2)
        self.assertIn("_cursor=", second["links"]["next"])
        self.assertNotIn("_page", second["links"]["next"])
        self.assertEqual(third["items"], by_offset["items"])
        self.assertEqual(prev["items"], first["items"])
        self.assertEqual(second["links"]["self"], "/api/v2/Individual?_page=2&_count=5")

    def test_every_list_route_answers_links(self):
        with self._api() as api:
            for url in ("/api/v2/Group", "/api/v2/Program", "/api/v2/ProgramMembership"):
                with self.subTest(url=url):
                    seen, _last = self._walk(api, url, _count=1, _sort="-create_date")
                    self.assertEqual(len(seen), len(set(seen)))
                    self.assertEqual(len(seen), _last["total"])
                    self.assertGreater(len(seen), 1)

    def test_if_none_match_answers_304_without_body(self):
        person = self.walkers[0]
        with self._api() as api:
            read = api.get(f"/api/v2/Individual/{person.uuid}", headers=self.headers)
            etag = read.headers["ETag"]
            same = api.get(f"/api/v2/Individual/{person.uuid}", headers=dict(self.headers, **{"If-None-Match": etag}))
            person.write({"family_name": "Changed"})
            changed = api.get(
                f"/api/v2/Individual/{person.uuid}", headers=dict(self.headers, **{"If-None-Match": etag})
            )
        self.assertEqual((same.status_code, same.headers["ETag"], same.content), (304, etag, b""))
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed.headers["ETag"], etag)
        self.assertEqual(changed.json()["family_name"], "Changed")

    def test_if_none_match_on_every_resource_read(self):
        group = self.env.ref("g2p_partner_api.demo_group_01")
        program = self.env.ref("g2p_partner_api.demo_program_child_grant")
        membership = self.env["g2p.program.membership"].search([], limit=1)
        with self._api() as api:
            for url in (f"/Group/{group.uuid}", f"/Program/{program.uuid}", f"/ProgramMembership/{membership.uuid}"):
                with self.subTest(url=url):
                    etag = api.get(f"/api/v2{url}", headers=self.headers).headers["ETag"]
                    again = api.get(f"/api/v2{url}", headers=dict(self.headers, **{"If-None-Match": f"W/{etag}"}))
                    self.assertEqual((again.status_code, again.headers["ETag"], again.content), (304, etag, b""))


@tagged("post_install", "-at_install")
class TestPagingIndexScans(G2PApiCase):
    """Every sort a search offers reads its page from an index, in order, from the cursor on.

    Asserting the plan of a few thousand rows under the planner's normal settings is what holds
    at 10,000,000: an ordered Index Scan right under the Limit, with the cursor as its Index Cond
    and no Sort node, reads a page's rows whatever the table's size (a Seq Scan or a Sort would
    read or order every matching row). The query explained is the one the API ran.

    It is explained on a copy of res_partner (a temporary table of the same name, first on the
    search path, with the same indexes, the registry's rows and a few thousand generated ones,
    analysed): an index built on a table whose rows were updated while other transactions ran
    (every test database of a shared server) may not be used by older snapshots
    (``pg_index.indcheckxmin``), so the real table's plan would depend on other sessions.
    """

    ROWS = 4000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Index reader", scopes=["individual:read", "group:read"], rate_limit_per_minute=-1
        )

    def _ran_queries(self, url, **params):
        """The SQL (code, params) of each query the API ran for the second page of ``url``."""
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            first = api.get(url, params=dict(params, _count=2), headers=headers).json()
            with ran_queries(self.env.cr) as ran:
                response = api.get(first["links"]["next"], headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        return [q for q in ran if 'FROM "res_partner"' in q.code and "LIMIT" in q.code and '"id") ' in q.code]

    def _explain_on_copy(self, query):
        cr = self.env.cr
        with table_copy(cr):
            cr.execute(
                "SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'res_partner' "
                "AND column_name NOT IN "
                "('id', 'uuid', 'name', 'complete_name', 'is_group', 'create_date', 'write_date')"
            )
            copied = cr.fetchone()[0]
            template = self.env.ref("g2p_partner_api.demo_individual_02").id
            cr.execute(
                f"INSERT INTO pg_temp.res_partner ({copied}, id, uuid, name, complete_name, is_group, "  # noqa: S608
                f"create_date, write_date) SELECT {copied}, 1000000 + n, gen_random_uuid()::text, 'Generated ' || n, "
                "'Generated ' || n, mod(n, 5) = 0, "
                "now() - n * interval '1 minute', now() - mod(n, 97) * interval '1 hour' "
                "FROM public.res_partner, generate_series(1, %s) AS n WHERE id = %s",
                (self.ROWS, template),
            )
            cr.execute("ANALYZE pg_temp.res_partner")
            plan, definitions = explain(cr, query)
            return plan, definitions.get((plan.get("Plans") or [{}])[0].get("Index Name"), "")

    def test_the_sort_indexes_exist(self):
        self.env.cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'res_partner' AND indexname LIKE %s",
            ("res_partner_g2p_registrant_%_page_idx",),
        )
        definitions = {name: definition.split(" USING btree ")[1] for name, definition in self.env.cr.fetchall()}
        self.assertEqual(
            definitions,
            {
                f"res_partner_g2p_registrant_{column}_page_idx": f"({column}, id) WHERE is_registrant"
                for column in ("name", "create_date", "write_date")
            },
        )
        self.env.cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'g2p_program_membership' AND indexname LIKE %s",
            ("%_page_idx",),
        )
        definitions = {name: definition.split(" USING btree ")[1] for name, definition in self.env.cr.fetchall()}
        self.assertEqual(
            definitions,
            {
                f"g2p_program_membership_{column}_page_idx": f"({column}, id)"
                for column in ("create_date", "write_date")
            },
        )

    def test_every_registrant_sort_is_an_ordered_index_scan(self):
        for resource in ("Individual", "Group"):
            for sort, columns in (
                ("name", "(name, id) WHERE is_registrant"),
                ("-name", "(name, id) WHERE is_registrant"),
                ("create_date", "(create_date, id) WHERE is_registrant"),
                ("-write_date", "(write_date, id) WHERE is_registrant"),
                ("registered", "UNIQUE INDEX"),
                ("-registered", "UNIQUE INDEX"),
            ):
                with self.subTest(resource=resource, sort=sort):
                    queries = self._ran_queries(f"/api/v2/{resource}", _sort=sort)
                    self.assertEqual(len(queries), 1, "one keyset query per page")
                    plan, index = self._explain_on_copy(queries[0])
                    plan_nodes = list(nodes(plan))
                    types = [node["Node Type"] for node in plan_nodes]
                    self.assertEqual(plan["Node Type"], "Limit", types)
                    scan = plan["Plans"][0]
                    self.assertIn(scan["Node Type"], ("Index Scan", "Index Only Scan"), types)
                    self.assertIn(columns, index)
                    self.assertRegex(scan["Index Cond"], r"\bid\b", "the cursor starts the scan")
                    self.assertNotIn("Sort", types)
                    self.assertNotIn(
                        "Seq Scan", [n["Node Type"] for n in plan_nodes if n.get("Relation Name") == "res_partner"]
                    )


@tagged("post_install", "-at_install")
class TestPutBackAsRead(G2PApiCase):
    """A resource as read can be PUT back unchanged; a read-only field that differs is refused, naming it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Round trip",
            scopes=["individual:read", "individual:write", "group:read", "group:write", "membership:read"]
            + ["membership:write"],
            all_programs=True,
        )
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_02")
        cls.group = cls.env.ref("g2p_partner_api.demo_group_01")

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    @staticmethod
    def _as_read(response):
        # test_schema_extension extends the read of an Individual with a phone, not its write
        body = response.json()
        body.pop("phone", None)
        return body

    def _round_trip(self, api, url):
        read = api.get(url, headers=self.headers)
        self.assertEqual(read.status_code, 200, read.text)
        put = api.put(url, json=self._as_read(read), headers=dict(self.headers, **{"If-Match": read.headers["ETag"]}))
        self.assertEqual(put.status_code, 200, put.text)
        return read, put

    def test_individual_and_group_as_read_are_put_back(self):
        with self._api() as api:
            for url in (f"/api/v2/Individual/{self.person.uuid}", f"/api/v2/Group/{self.group.uuid}"):
                with self.subTest(url=url):
                    read, put = self._round_trip(api, url)
                    unchanged = dict(put.json(), provenance=read.json()["provenance"])
                    self.assertEqual(unchanged, read.json(), "nothing but the provenance of the write changed")

    def test_membership_as_read_is_put_back(self):
        membership = self.env["g2p.program.membership"].search([], limit=1)
        with self._api() as api:
            read, put = self._round_trip(api, f"/api/v2/ProgramMembership/{membership.uuid}")
        self.assertEqual(dict(put.json(), provenance=None), dict(read.json(), provenance=None))

    def _refused(self, api, url, change, field):
        body = self._as_read(api.get(url, headers=self.headers))
        change(body)
        before = self.env["res.partner"].search_read([("is_registrant", "=", True)], ["name", "uuid", "write_date"])
        response = api.put(url, json=body, headers=self.headers)
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.problem_fields(response)[0], field)
        self.env.invalidate_all()
        after = self.env["res.partner"].search_read([("is_registrant", "=", True)], ["name", "uuid", "write_date"])
        self.assertEqual(after, before, "nothing was written")

    def test_changed_read_only_fields_are_refused_naming_them(self):
        person = f"/api/v2/Individual/{self.person.uuid}"
        group = f"/api/v2/Group/{self.group.uuid}"
        with self._api() as api:
            self._refused(api, person, lambda b: b.update(uuid="6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10"), "uuid")
            self._refused(api, person, lambda b: b.update(name="Somebody Else"), "name")
            self._refused(api, person, lambda b: b["provenance"].update(created_by="another-client"), "provenance")
            self._refused(api, person, lambda b: b.update(archived_at="2025-01-01T00:00:00Z"), "archived_at")
            self._refused(api, group, lambda b: b["members"][0].update(name="Renamed"), "members[0].name")
            created = api.post(
                "/api/v2/Individual",
                json={"given_name": "Echo", "uuid": "6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10"},
                headers=self.headers,
            )
        self.assertEqual(created.status_code, 422, created.text)
        self.assertEqual(self.problem_fields(created)[0], "uuid")
        self.assertFalse(self.env["res.partner"].search([("given_name", "=", "Echo")]))

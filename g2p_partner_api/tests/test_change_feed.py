import uuid
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from odoo.addons.g2p_partner_api.services import change_feed

from .common import G2PApiCase
from .plans import explain, nodes, ran_queries, table_copy

FEED_SCOPES = ("individual:read", "group:read")


@tagged("post_install", "-at_install")
class ChangeFeedCase(G2PApiCase):
    """The feed shows what other transactions have committed, which a test's own transaction never
    does (and what it writes itself carries its own, never-committed transaction id). These tests
    write in transactions of their own, committed, and call the mounted app in a new transaction
    each time, as a partner's calls arrive; whatever they commit is deleted after each test."""

    @contextmanager
    def _committed(self):
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.tag = uuid.uuid4().hex[:10]
        self.partner_ids = []
        self.client_ids = []
        self.addCleanup(self._delete_committed)

    def _delete_committed(self):
        with self._committed() as env:
            env["res.partner"].with_context(active_test=False).browse(self.partner_ids).exists().unlink()
            env.cr.execute("DELETE FROM g2p_api_rate_window WHERE client_id = ANY(%s)", [self.client_ids])
            env.cr.execute("DELETE FROM g2p_api_audit_log WHERE client_id = ANY(%s)", [self.client_ids])
            env["g2p.api.client"].with_context(active_test=False).browse(self.client_ids).exists().unlink()

    def _committed_client(self, legal_basis=True):
        with self._committed() as env:
            scopes = env["g2p.api.scope"].search([("code", "in", FEED_SCOPES)])
            vals = {"name": f"Feed {self.tag}", "scope_ids": [(6, 0, scopes.ids)]}
            if legal_basis:
                vals.update(legal_basis_enabled=True, legal_basis=self.default_legal_basis)
            client = env["g2p.api.client"].create(vals)
            secret = client._generate_secret()
            self.client_ids.append(client.id)
            client_id = client.client_id
        token = self._call(
            "POST",
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def _committed_individuals(self, *names):
        with self._committed() as env:
            people = env["res.partner"].create(
                [{"is_registrant": True, "given_name": name, "family_name": self.tag} for name in names]
            )
            self.partner_ids += people.ids
            return [(p.id, p.uuid) for p in people]

    def _call(self, method, url, **kwargs):
        """One call of the mounted app in a transaction of its own, committed."""
        with self._committed() as env, self._api(env=env) as api_client:
            return api_client.request(method, url, **kwargs)

    def _page(self, headers, resource="Individual", **params):
        response = self._call("GET", f"/api/v2/{resource}", params=params, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def _follow(self, headers, since, resource="Individual"):
        """Every page from ``since`` up to now: (items, the cursor to go on with)."""
        items = []
        while True:
            page = self._page(headers, resource, since=since, _count=200)
            items += page["items"]
            since = page["next_since"]
            if not page["has_more"]:
                return items, since

    def _uuids(self, items):
        return [item["uuid"] for item in items]


@tagged("post_install", "-at_install")
class TestChangeFeedConcurrency(ChangeFeedCase):
    def test_a_change_committed_late_is_not_skipped(self):
        """T1 writes A, T2 writes B after it and commits first; a client reads past B; T1 commits:
        the client, following its cursor, gets A (a feed ordered by time or by a sequence of the
        writes would have moved past A's position when it read B)."""
        (a_id, a_uuid), (b_id, b_uuid) = self._committed_individuals("Early", "Late")
        headers = self._committed_client()
        _items, since = self._follow(headers, "0")
        t1, t2 = self.registry.cursor(), self.registry.cursor()
        try:
            api.Environment(t1, SUPERUSER_ID, {})["res.partner"].browse(a_id).write({"addl_name": "T1"})
            t1.flush()
            api.Environment(t2, SUPERUSER_ID, {})["res.partner"].browse(b_id).write({"addl_name": "T2"})
            t2.commit()
            seen, since = self._follow(headers, since)
            self.assertNotIn(a_uuid, self._uuids(seen), "T1 has not committed: its change is not there yet")
            t1.commit()
            later, since = self._follow(headers, since)
        finally:
            t1.close()
            t2.close()
        self.assertIn(a_uuid, self._uuids(later), "the change T1 wrote before B's is delivered once it commits")
        a_item = next(item for item in later if item["uuid"] == a_uuid)
        self.assertEqual(a_item["addl_name"], "T1")
        self.assertIn(b_uuid, self._uuids(seen + later))
        self.assertEqual(self._follow(headers, since)[0], [], "nothing more: each change once")


@tagged("post_install", "-at_install")
class TestChangeFeed(ChangeFeedCase):
    def _write(self, model, ids, vals):
        with self._committed() as env:
            env[model].with_context(active_test=False).browse(ids).write(vals)

    def test_pages_follow_the_cursor_and_the_next_link(self):
        people = self._committed_individuals("One", "Two", "Three")
        headers = self._committed_client()
        since = self._follow(headers, "0")[1]
        self._write("res.partner", [pid for pid, _uuid in people], {"addl_name": "Paged"})
        first = self._page(headers, since=since, _count=2)
        self.assertEqual((len(first["items"]), first["has_more"]), (2, True))
        query = parse_qs(urlparse(first["links"]["next"]).query)
        self.assertEqual(query, {"since": [first["next_since"]], "_count": ["2"]})
        second = self._call("GET", first["links"]["next"], headers=headers).json()
        self.assertEqual(
            self._uuids(first["items"] + second["items"]), [u for _pid, u in people], "change order, each once"
        )
        self.assertFalse(second["has_more"])
        self.assertEqual(self._page(headers, since=second["next_since"])["items"], [])

    def test_archived_registrants_are_tombstones(self):
        [(pid, person_uuid)] = self._committed_individuals("Archived")
        headers = self._committed_client()
        since = self._follow(headers, "0")[1]
        with self._committed() as env:
            env["res.partner"].browse(pid)._archive_registrant("Deceased (certificate 2026/1)")
        items, since = self._follow(headers, since)
        [tombstone] = [item for item in items if item["uuid"] == person_uuid]
        self.assertEqual(set(tombstone), {"uuid", "deleted", "meta"}, "no personal data, no reason")
        self.assertIs(tombstone["deleted"], True)
        self.assertTrue(tombstone["meta"]["archived_at"].endswith("Z"))
        self._write("res.partner", [pid], {"active": True})
        items, since = self._follow(headers, since)
        [restored] = [item for item in items if item["uuid"] == person_uuid]
        self.assertEqual((restored["given_name"], restored["active"]), ("Archived", True))

    def test_a_membership_change_is_a_change_of_group_and_member(self):
        [(pid, person_uuid)] = self._committed_individuals("Member")
        with self._committed() as env:
            group = env["res.partner"].create(
                {"is_registrant": True, "is_group": True, "is_company": True, "name": f"Home {self.tag}"}
            )
            self.partner_ids.append(group.id)
            group_id, group_uuid = group.id, group.uuid
        headers = self._committed_client()
        group_since = self._follow(headers, "0", "Group")[1]
        person_since = self._follow(headers, "0")[1]
        with self._committed() as env:
            env["g2p.group.membership"].create({"group_id": group_id, "individual_id": pid})
        groups = self._follow(headers, group_since, "Group")[0]
        self.assertEqual(self._uuids(groups), [group_uuid])
        self.assertEqual(groups[0]["members"][0]["individual"], person_uuid)
        with self._committed() as env:
            shown = env["g2p.api.disclosure"].search([("partner_id", "=", pid), ("scope", "=", "group:read")])
            self.assertEqual(len(shown), 1, "the member the group's change shows is disclosed with it")
        people = self._follow(headers, person_since)[0]
        self.assertEqual(self._uuids(people), [person_uuid])
        self.assertEqual(people[0]["groups"][0]["group"], group_uuid)

    def test_start_from_a_time(self):
        before = self._committed_individuals("Before")
        with self._committed() as env:
            env.cr.execute("SELECT clock_timestamp() AT TIME ZONE 'UTC'")
            moment = env.cr.fetchone()[0]
        after = self._committed_individuals("After")
        headers = self._committed_client()
        page = self._page(headers, _lastUpdated=f"gt{moment.isoformat()}Z", _count=200)
        uuids = self._uuids(page["items"])
        self.assertIn(after[0][1], uuids)
        self.assertNotIn(before[0][1], uuids)
        self._write("res.partner", [before[0][0]], {"addl_name": "Later"})
        items = self._follow(headers, page["next_since"])[0]
        self.assertEqual(self._uuids(items), [before[0][1]], "then on from the cursor")


@tagged("post_install", "-at_install")
class TestChangeFeedRefusals(G2PApiCase):
    """What the feed refuses (422 naming the parameter), with nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Feed reader", scopes=list(FEED_SCOPES))

    def _error(self, api, url, **params):
        response = api.get(url, params=params, headers=self.headers)
        self.assertEqual(response.status_code, 422, response.text)
        return self.problem_fields(response)[0]

    def test_refusals_name_the_parameter(self):
        self.headers = self._auth(self.client, self.secret)
        changes = self.env["g2p.registrant.change"].search_count([])
        with self._api() as api:
            page = api.get("/api/v2/Individual", params={"since": "0"}, headers=self.headers).json()
            cursor = page["next_since"]
            self.assertEqual(self._error(api, "/api/v2/Group", since=cursor), "since", "another feed's cursor")
            self.assertEqual(self._error(api, "/api/v2/Individual", since="not-a-cursor"), "since")
            self.assertEqual(self._error(api, "/api/v2/Individual", since=cursor[:-4] + "AAAA"), "since", "forged")
            self.assertEqual(self._error(api, "/api/v2/Individual", since="0", name="Banda"), "name")
            self.assertEqual(self._error(api, "/api/v2/Individual", since="0", _page=2), "_page")
            self.assertEqual(
                self._error(api, "/api/v2/Individual", since="0", _lastUpdated="gt2026-01-01T00:00:00Z"),
                "_lastUpdated",
            )
            self.assertEqual(self._error(api, "/api/v2/Individual", _lastUpdated="2026-01-01"), "_lastUpdated")
            self.assertEqual(self._error(api, "/api/v2/Individual", _lastUpdated="gtyesterday"), "_lastUpdated")
        self.assertEqual(self.env["g2p.registrant.change"].search_count([]), changes)

    def test_a_start_time_names_its_offset(self):
        """_lastUpdated is a date-time with its offset or Z: one without (or a bare date) would be read in a zone
        the partner did not name, and a partner east of UTC would miss the changes of the hours between."""
        self.headers = self._auth(self.client, self.secret)
        refused = (
            "gt2026-01-01T00:00:00",
            "gt2026-01-01",
            "gt2026-01-01T00:00Z",
            "gt2026-01-01 00:00:00Z",
            "gt20260101T000000Z",
            "gt0001-01-01T00:00:00+01:00",
            "gt2026-02-30T00:00:00Z",
        )
        with self._api() as api:
            for sent in refused:
                self.assertEqual(self._error(api, "/api/v2/Individual", _lastUpdated=sent), "_lastUpdated", sent)
            for sent in ("gt2026-01-01T00:00:00Z", "gt2026-01-01T08:00:00.5+08:00", "gt2026-01-01t00:00:00z"):
                response = api.get("/api/v2/Group", params={"_lastUpdated": sent}, headers=self.headers)
                self.assertEqual(response.status_code, 200, (sent, response.text))
        moment = change_feed._parse_time_start("gt2026-01-01T08:00:00+08:00")
        self.assertEqual(moment, datetime(2026, 1, 1, 0, 0))


@tagged("post_install", "-at_install")
class TestChangeLogCreation(G2PApiCase):
    def test_a_register_older_than_the_log_starts_with_one_change_per_registrant(self):
        """An upgrade that creates the log puts every registrant in it (since=0 is then the whole
        register); an upgrade that finds it adds nothing."""
        Change = self.env["g2p.registrant.change"]
        registrants = self.env["res.partner"].with_context(active_test=False).search([("is_registrant", "=", True)])
        self.env.cr.execute("DROP TABLE g2p_registrant_change")  # rolled back with the test
        Change.init()
        self.env.cr.execute("SELECT partner_id, count(*) FROM g2p_registrant_change GROUP BY partner_id")
        self.assertEqual(dict(self.env.cr.fetchall()), dict.fromkeys(registrants.ids, 1))
        Change.init()
        self.assertEqual(Change.search_count([]), len(registrants))


@tagged("post_install", "-at_install")
class TestChangeFeedPlan(G2PApiCase):
    """Each feed reads its own kind's changes from one range of the log's (is_group, txid, id) index.

    On (txid, id) alone, a page of groups read past every individual's change written before it
    (47 s for the first page of groups at 10,000,000 individuals, #27). Explained on a copy of the log
    holding 20,000 changes of individuals before the groups', as a register loaded in one go has.
    """

    def test_the_group_feed_skips_the_changes_of_individuals_in_the_index(self):
        client, _secret = self._create_client("Feed plan", scopes=["group:read"])
        group = self.env["res.partner"].create({"is_registrant": True, "is_group": True, "name": "Plan household"})
        person = self.env["res.partner"].create({"is_registrant": True, "given_name": "Plan", "family_name": "Feed"})
        with ran_queries(self.env.cr) as ran:
            change_feed.next_page(self.env, client, "group:read", True, change_feed.FeedCursor("Group"), 100)
        feed_queries = [q for q in ran if "g2p_registrant_change" in q.code and "pg_visible_in_snapshot" in q.code]
        self.assertEqual(len(feed_queries), 1)
        cr = self.env.cr
        with table_copy(cr, "g2p_registrant_change"):
            cr.execute(
                """INSERT INTO pg_temp.g2p_registrant_change (partner_id, is_group)
                   SELECT %s, false FROM generate_series(1, 20000) UNION ALL SELECT %s, true""",
                (person.id, group.id),
            )
            cr.execute("ANALYZE pg_temp.g2p_registrant_change")
            plan, definitions = explain(cr, feed_queries[0])
        scans = [n for n in nodes(plan) if n.get("Relation Name") == "g2p_registrant_change"]
        self.assertEqual([n["Node Type"] for n in scans], ["Index Scan"], scans)
        self.assertIn("(is_group, txid, id)", definitions[scans[0]["Index Name"]])
        self.assertIn("is_group", scans[0]["Index Cond"], "the kind bounds the index range")
        self.assertNotIn("Sort", [n["Node Type"] for n in nodes(plan)])

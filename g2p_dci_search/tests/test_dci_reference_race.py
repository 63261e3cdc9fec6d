import faulthandler
import importlib.util
import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tools import SQL, file_path

from odoo.addons.g2p_partner_api.tests.plans import explain, nodes
from odoo.addons.g2p_partner_api.tests.test_change_feed import ChangeFeedCase

from ..models.g2p_dci_transaction import FIRST_USE_INDEX
from ..schemas.dci import SearchEnvelope
from ..services import dci_checks
from .common import DciCase, public_pem

DUPLICATE = "rjct.reference_id.duplicate"
MISSING = "rjct.reference_id.invalid"


@tagged("post_install", "-at_install")
class TestDciReferenceRace(ChangeFeedCase, DciCase):
    """Two calls of one sender with the same new reference_id at the same time, each in a transaction of
    its own on the database (committed, as a worker's): the second's snapshot cannot see the first's item,
    its INSERT waits for the first and the unique index of first uses refuses it once the first commits.
    The second call is answered as a reference_id used before is. Whatever they commit is deleted after
    (``ChangeFeedCase``: transactions of their own, committed)."""

    def _delete_committed(self):
        with self._committed() as env:
            for table in ("g2p_dci_transaction", "g2p_api_disclosure"):
                env.cr.execute(SQL("DELETE FROM %s WHERE client_id = ANY(%s)", SQL.identifier(table), self.client_ids))
        return super()._delete_committed()

    def _committed_sender(self, sender_id):
        """(client, Authorization headers) of a sender committed to the database."""
        with self._committed() as env:
            Client = env["g2p.api.client"]
            client = Client.create(
                dict(
                    Client._legal_basis_vals(self.default_legal_basis),
                    name=f"Racing sender {sender_id}",
                    scope_ids=[(6, 0, env.ref("g2p_partner_api.scope_dci_search").ids)],
                    dci_sender_id=sender_id,
                    public_key=public_pem(self.key),
                )
            )
            secret, client_id = client._generate_secret(), client.client_id
            self.client_ids.append(client.id)
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        with self._committed() as env, self._api(self.rest_endpoint, env=env) as api_client:
            response = api_client.post("/api/v2/oauth/token", data=data)
        self.assertEqual(response.status_code, 200, response.text)
        return self.env["g2p.api.client"].browse(client.id), {
            "Authorization": f"Bearer {response.json()['access_token']}"
        }

    def _envelope(self, sender_id, *references):
        items = [self.item("expression", {"family_name": "Nobody-Races"}, reference_id=ref) for ref in references]
        return self.envelope(items, sender=sender_id)

    def _search(self, env, headers, envelope):
        with self._api(env=env) as api_client:
            return api_client.post("/dci/registry/sync/search", json=envelope, headers=headers)

    def _race(self, first, second):
        """(first answer, second answer, whether T2 waited): ``first(env)`` runs in a transaction T1 left
        open; ``second(env)`` in T2, on a thread, from a snapshot taken before T1 commits; T1 commits once
        T2 ended or waits for a lock (T1's uncommitted index entry), then T2 commits."""
        t1, t2 = self.registry.cursor(), self.registry.cursor()
        answers = {}
        try:
            t2.execute("SELECT pg_backend_pid()")  # T2's snapshot: taken now, before T1 writes or commits
            t2_pid = t2.fetchone()[0]
            answers["first"] = first(api.Environment(t1, SUPERUSER_ID, {}))
            t2_env = api.Environment(t2, SUPERUSER_ID, {})  # made here: a thread finds no registry of its own
            thread = threading.Thread(target=lambda: answers.setdefault("second", second(t2_env)))
            thread.start()
            waited = self._wait_for_lock_or_end(thread, t2_pid)
            t1.commit()
            thread.join(60)
            self.assertFalse(thread.is_alive(), "T2 ended once T1 committed")
            t2.commit()
        finally:
            t1.close()
            t2.close()
        return answers["first"], answers["second"], waited

    def _wait_for_lock_or_end(self, thread, pid, timeout=30):
        """Whether the backend ``pid`` was seen waiting for a lock (else the thread ended first)."""
        deadline = time.monotonic() + timeout
        with self._committed() as env:
            while thread.is_alive() and time.monotonic() < deadline:
                env.cr.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid])
                if env.cr.fetchone()[0]:
                    return True
                env.cr.rollback()  # the next look at pg_stat_activity sees it anew
                time.sleep(0.05)
        if thread.is_alive():
            faulthandler.dump_traceback(all_threads=True)
        self.assertFalse(thread.is_alive(), "T2 neither ended nor waited")
        return False

    def _items(self, client):
        """(reference_id, status, status_reason_code) of ``client``'s committed items, in order."""
        with self._committed() as env:
            env.cr.execute(
                "SELECT reference_id, status, status_reason_code FROM g2p_dci_transaction_item"
                " WHERE client_id = %s ORDER BY id",
                [client.id],
            )
            return env.cr.fetchall()

    def _answers(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.response_validator.validate(body)
        return [
            (a["reference_id"], a["status"], a.get("status_reason_code")) for a in body["message"]["search_response"]
        ]

    def test_same_new_reference_at_once_accepted_once(self):
        client, headers = self._committed_sender("racer.example.org")
        first_envelope = self._envelope("racer.example.org", "raced")
        second_envelope = self._envelope("racer.example.org", "raced", "its-own")
        first, second, waited = self._race(
            lambda env: self._search(env, headers, first_envelope),
            lambda env: self._search(env, headers, second_envelope),
        )
        self.assertTrue(waited, "T2's INSERT waited for T1's uncommitted item")
        self.assertEqual(self._answers(first), [("raced", "succ", None)])
        self.assertEqual(
            self._answers(second),
            [("raced", "rjct", DUPLICATE), ("its-own", "succ", None)],
            "answered as a reference_id used before: that item refused, the other answered",
        )
        self.assertEqual(
            self._items(client),
            [("raced", "succ", None), ("raced", "rjct", DUPLICATE), ("its-own", "succ", None)],
            "one first use of the reference; the second call recorded once, with its second answers",
        )
        # answered as today when the first call had committed before the second began
        with self._committed() as env:
            late = self._search(env, headers, self._envelope("racer.example.org", "raced"))
        self.assertEqual(self._answers(late), [("raced", "rjct", DUPLICATE)])

    def test_distinct_references_at_once_both_accepted(self):
        client, headers = self._committed_sender("honest.example.org")
        first, second, _waited = self._race(
            lambda env: self._search(env, headers, self._envelope("honest.example.org", "one")),
            lambda env: self._search(env, headers, self._envelope("honest.example.org", "two")),
        )
        self.assertEqual(
            (self._answers(first), self._answers(second)), ([("one", "succ", None)], [("two", "succ", None)])
        )
        self.assertEqual(self._items(client), [("one", "succ", None), ("two", "succ", None)])

    def test_same_reference_from_two_senders_at_once_both_accepted(self):
        first_client, first_headers = self._committed_sender("first.example.org")
        second_client, second_headers = self._committed_sender("second.example.org")
        first, second, waited = self._race(
            lambda env: self._search(env, first_headers, self._envelope("first.example.org", "shared")),
            lambda env: self._search(env, second_headers, self._envelope("second.example.org", "shared")),
        )
        self.assertFalse(waited, "another sender's reference ids are not this sender's")
        self.assertEqual(self._answers(first), [("shared", "succ", None)])
        self.assertEqual(self._answers(second), [("shared", "succ", None)])
        self.assertEqual(self._items(first_client), [("shared", "succ", None)])
        self.assertEqual(self._items(second_client), [("shared", "succ", None)])

    def test_asynchronous_records_refused_as_used_by_the_racing_call(self):
        """The asynchronous search records its pending items with ``_record(references=...)`` and the
        subscription its answers with ``_add_answers``: the racing call's reference id makes each record
        nothing and name it (the caller answers the items again knowing it, ``dci_checks.recorded_once``)."""
        client, _headers = self._committed_sender("async.example.org")

        def pending(env, references):
            body = SearchEnvelope.model_validate(self._envelope("async.example.org", *references))
            answers = [{"reference_id": ref, "status": "pdng"} for ref in references]
            Transaction = env["g2p.dci.transaction"]
            try:
                return Transaction._record(
                    client.with_env(Transaction.env), body, "race", answers, references=references, mode="async"
                ).id
            except dci_checks.ReferencesUsed as exc:
                return exc.references

        def answered(env, references):
            body = SearchEnvelope.model_validate(self._envelope("async.example.org", *references))
            Transaction = env["g2p.dci.transaction"]
            transaction = Transaction._record(client.with_env(Transaction.env), body, "race", status="pdng")
            answers = [{"reference_id": ref, "status": "succ"} for ref in references]
            try:
                transaction._add_answers(answers, body.message.search_request)
            except dci_checks.ReferencesUsed as exc:
                return exc.references
            return transaction.id

        first, second, waited = self._race(lambda env: pending(env, ["a1"]), lambda env: pending(env, ["a1", "a2"]))
        self.assertTrue(waited)
        self.assertIsInstance(first, int)
        self.assertEqual(second, {"a1"}, "the reference the racing call used, and only it")
        first, second, waited = self._race(lambda env: answered(env, ["s1"]), lambda env: answered(env, ["s1", "s2"]))
        self.assertTrue(waited)
        self.assertEqual(second, {"s1"})
        self.assertEqual(
            self._items(client),
            [("a1", "pdng", None), ("s1", "succ", None)],
            "the refused INSERTs recorded no item",
        )


@tagged("post_install", "-at_install")
class TestDciReferenceIndex(DciCase):
    """The unique index of first uses serves the lookup of the reference ids a sender used."""

    def test_the_lookup_of_used_references_reads_the_unique_index(self):
        cr = self.env.cr
        cr.execute(
            """CREATE TEMPORARY TABLE g2p_dci_transaction_item
                 (LIKE public.g2p_dci_transaction_item INCLUDING ALL)"""
        )
        try:
            # a million items at scale: here 50,000 of 50 senders, a tenth answered as used before
            cr.execute(
                """INSERT INTO pg_temp.g2p_dci_transaction_item
                          (id, transaction_id, client_id, reference_id, status, status_reason_code)
                   SELECT n, n, 1 + mod(n, 50), 'ref-' || n,
                          CASE WHEN mod(n, 10) = 0 THEN 'rjct' ELSE 'succ' END,
                          CASE WHEN mod(n, 10) = 0 THEN %s END
                     FROM generate_series(1, 50000) AS n""",
                [DUPLICATE],
            )
            cr.execute("ANALYZE pg_temp.g2p_dci_transaction_item")
            Transaction = self.env["g2p.dci.transaction"]
            query = Transaction._used_references_query(self.client.browse(7), [f"ref-{n}" for n in range(7, 700, 50)])
            plan, definitions = explain(cr, query)
        finally:
            cr.execute("DROP TABLE pg_temp.g2p_dci_transaction_item")
        self.assertNotIn("Seq Scan", [node["Node Type"] for node in nodes(plan)])
        # the copy's indexes have names of their own: the one read is told by its definition
        self.assertEqual(len(definitions), 1, definitions)
        (definition,) = definitions.values()
        self.assertIn("UNIQUE INDEX", definition)
        self.assertIn("(client_id, reference_id) WHERE", definition)

    def test_the_index_is_unique_over_first_uses(self):
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [FIRST_USE_INDEX])
        definition = self.env.cr.fetchone()[0]
        self.assertIn("CREATE UNIQUE INDEX", definition)
        self.assertIn("(client_id, reference_id) WHERE", definition)
        self.assertIn(DUPLICATE, definition)


@tagged("post_install", "-at_install")
class TestDciReferenceUpgrade(DciCase):
    """Racing calls could each record the same new reference id before the index: the upgrade keeps the
    earliest item as the first use and marks the later ones as the repeated uses they were, so the index can
    be created; nothing is deleted and what they were answered stays."""

    def _transaction(self, client, message_id, *items):
        return self.env["g2p.dci.transaction"].create(
            {
                "client_id": client.id,
                "message_id": message_id,
                "item_ids": [
                    (0, 0, {"reference_id": ref, "status": status, "status_reason_code": code})
                    for ref, status, code in items
                ],
            }
        )

    def test_upgrade_marks_the_later_uses_then_creates_the_index(self):
        cr = self.env.cr
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(FIRST_USE_INDEX)))  # the database the last version left
        other, _secret = self._create_client("Other sender", scopes=["dci:search"], dci_sender_id="other.example")
        first = self._transaction(self.client, "m1", ("twice", "succ", None), ("-", "rjct", MISSING))
        second = self._transaction(self.client, "m2", ("twice", "succ", None), ("-", "rjct", MISSING))
        third = self._transaction(
            self.client, "m3", ("twice", "rjct", "rjct.timestamp.invalid"), ("twice", "rjct", DUPLICATE)
        )
        elsewhere = self._transaction(other, "m1", ("twice", "succ", None))
        self.env.flush_all()
        path = file_path("g2p_dci_search/migrations/18.0.1.1.0/pre-migrate.py")
        spec = importlib.util.spec_from_file_location("g2p_dci_references_pre_migrate", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.0.0")
        self.env["g2p.dci.transaction.item"].init()
        self.env.invalidate_all()
        cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [FIRST_USE_INDEX])
        self.assertIn("CREATE UNIQUE INDEX", cr.fetchone()[0])

        def rows(transaction):
            return [(i.reference_id, i.status, i.status_reason_code) for i in transaction.item_ids]

        self.assertEqual(rows(first), [("twice", "succ", False), ("-", "rjct", MISSING)], "the first use kept")
        self.assertEqual(rows(second), [("twice", "succ", DUPLICATE), ("-", "rjct", MISSING)])
        self.assertEqual(rows(third), [("twice", "rjct", DUPLICATE), ("twice", "rjct", DUPLICATE)])
        self.assertEqual(rows(elsewhere), [("twice", "succ", False)], "another sender's reference ids are its own")
        self.assertIn("answered succ", second.item_ids[0].status_reason_message)
        self.assertIn("Recorded reason: rjct.timestamp.invalid", third.item_ids[0].status_reason_message)
        self.assertFalse(third.item_ids[1].status_reason_message, "an item refused as a repeated use is as it was")

"""Two registries (companies), each with its own DCI endpoint, its technical user and its staff; one participant calls
both. What company A's endpoint received must tell company B nothing: a txn-status sent to B's endpoint about a
transaction made through A's was answered (in a callback B's staff read) with A's reference ids and statuses, and what
B's endpoint answers later (an asynchronous search, a subscription's notifications, each attempt to deliver them) was
read as the first DCI endpoint's user, A's, under A's rules. Each test performs the attack and asserts that it is
answered as about nobody, while each endpoint still answers what its own company holds."""

import json
import uuid

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_dci_search.tests.common import (
    DciAsyncCase,
    now,
    private_key,
    public_pem,
    request_schema,
    spec_validator,
)

from .test_audit_company import run_migration
from .test_dci_later_answers_and_group_size import MOVED, _without_per_call_keys
from .two_registries import registrant, second_registry

MIGRATION = "g2p_dci_search/migrations/18.0.1.3.0/post-migrate.py"
SEARCHED = ["g2p.dci.transaction"]


class DciTwoEndpointsCase(DciAsyncCase):
    """Company A's DCI endpoint (``/dci``, the registry's) and company B's (``/dci-b``, its own technical user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = second_registry(cls.env, "fix12dci")
        cls._move_endpoint(cls.endpoint, cls.company_a)
        in_b = {"company_id": cls.company_b.id, "company_ids": [(6, 0, cls.company_b.ids)]}
        runner = "g2p_partner_api.group_partner_api_runner"
        runner_b = new_test_user(cls.env, "fix12dci_runner_b", groups=runner, **in_b)
        cls.endpoint_b = cls.env["fastapi.endpoint"].create(
            {
                "name": "DCI registry API of district B",
                "app": "g2p_dci_search",
                "root_path": "/dci-b",
                "save_http_session": False,
                "user_id": runner_b.id,
                "company_id": cls.company_b.id,
            }
        )
        cls.manager_b = new_test_user(cls.env, "fix12dci_manager_b", groups="g2p_partner_api.group_api_manager", **in_b)

    def post_to(self, endpoint, path, envelope):
        """POST ``envelope`` to ``path`` of ``endpoint`` as the participant; the answer's JSON (an ACK for the
        asynchronous calls)."""
        spec_validator(request_schema(path)).validate(envelope)
        with self._api(endpoint) as api:
            response = api.post(endpoint.root_path + path, json=envelope, headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        if not path.startswith("/registry/sync/"):
            self.assertEqual(response.json()["message"]["ack_status"], "ACK", response.text)
        return response.json()

    def searched_at(self, endpoint, *items):
        """The on-search answering ``items`` sent to ``endpoint`` asynchronously."""
        self.post_to(endpoint, "/registry/search", self.envelope(list(items)))
        (callback,) = self.callbacks()
        return callback

    def sent_to(self, endpoint, family_name):
        """An asynchronous search of ``family_name`` sent to ``endpoint``, not answered yet."""
        self.post_to(
            endpoint, "/registry/search", self.envelope([self.item("expression", {"family_name": family_name})])
        )

    def subscribe_at(self, endpoint, family_name):
        """A subscription to new registrants of ``family_name`` made through ``endpoint`` (on-subscribe not sent)."""
        self.post_to(endpoint, "/registry/subscribe", self.subscribe_envelope("REGISTER", {"family_name": family_name}))

    def names_in(self, callback):
        return [
            [record["name"]["given_name"] for record in answer["data"]["reg_records"]]
            for answer in callback["message"]["search_response"]
        ]

    def assert_never_named(self, person):
        self.assertFalse(self.env["g2p.api.delivery"].search([("registrant_ids", "in", person.ids)]))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("partner_id", "=", person.id)]))


@tagged("post_install", "-at_install")
class TestDciTxnStatusKeepsItsCompany(DciTwoEndpointsCase):
    """A txn-status looked the sender's transactions up whatever endpoint received them: asked of B's endpoint, it
    told A's reference ids, correlation id and statuses, in a txn-on-status of B's company. A transaction made
    through another company's endpoint is now answered exactly as an unknown one, synchronously and
    asynchronously; within a company, another sender's too, as before."""

    def _question(self, attribute_type, value, txn_type="search"):
        return {
            "transaction_id": str(uuid.uuid4())[:30],
            "txnstatus_request": {
                "reference_id": str(uuid.uuid4()),
                "txn_type": txn_type,
                "attribute_type": attribute_type,
                "attribute_value": value,
            },
        }

    def _answers(self, endpoint, question, **signed):
        """(the txn-on-status callback, the synchronous answer) of ``question`` asked of ``endpoint``."""
        self.post_to(endpoint, "/registry/txn/status", self.signed_envelope("txn-status", question, 1))
        (callback,) = self.callbacks()
        answer = self.post_to(
            endpoint, "/registry/sync/txn/status", self.signed_envelope("txn-status", question, 1, **signed)
        )
        return callback, answer

    def _made_at_a(self):
        """A's transaction: an asynchronous search of one item, answered."""
        envelope = self.envelope([self.item("expression", {"family_name": "Zzfix12status"}, reference_id="fix12-a-1")])
        self.post_to(self.endpoint, "/registry/search", envelope)
        self.callbacks()
        transaction = self.env["g2p.dci.transaction"].search(
            [("transaction_id", "=", envelope["message"]["transaction_id"])]
        )
        self.assertEqual(transaction.company_id, self.company_a)
        return transaction

    def _questions(self, transaction):
        """(attribute type, value naming ``transaction``, value naming nothing)."""
        return [
            ("transaction_id", transaction.transaction_id, "fix12-never-sent"),
            ("reference_id_list", ["fix12-a-1"], ["fix12-nobody-1"]),
            ("correlation_id", transaction.correlation_id, str(uuid.uuid4())),
        ]

    def test_txn_status_at_b_of_a_transaction_made_at_a_is_answered_as_unknown(self):
        transaction = self._made_at_a()
        Transaction = self.env["g2p.dci.transaction"]
        recorded = Transaction.search_count([])
        for attribute_type, known, unknown in self._questions(transaction):
            with self.subTest(attribute_type=attribute_type):
                about_a = self._answers(self.endpoint_b, self._question(attribute_type, known))
                about_nobody = self._answers(self.endpoint_b, self._question(attribute_type, unknown))
                for answer, nobody in zip(about_a, about_nobody, strict=True):
                    self.assertEqual(answer["header"]["status"], "rjct", answer)
                    status = answer["message"]["txnstatus_response"]["txn_status"]
                    self.assertEqual((status["correlation_id"], status["search_response"]), ("", []))
                    self.assertEqual(_without_per_call_keys(answer), _without_per_call_keys(nobody))
        self.assertEqual(Transaction.search_count([]), recorded, "a txn-status records no transaction")
        self.env.flush_all()
        Delivery = self.env["g2p.api.delivery"].with_user(self.manager_b)
        told = Delivery.search([("event_type", "=", "dci.txn-on-status")])
        self.assertEqual(len(told), 6, "B's staff read the callbacks of the questions B's endpoint received")
        for needle in ("fix12-a-1", transaction.correlation_id, transaction.transaction_id):
            self.assertFalse(Delivery.search([("body", "ilike", needle)]), f"nothing of A's transaction: {needle}")
        # the honest path: A's endpoint answers the same questions about A's transaction
        for attribute_type, known, _unknown in self._questions(transaction):
            with self.subTest(honest=attribute_type):
                for answer in self._answers(self.endpoint, self._question(attribute_type, known)):
                    self.assertEqual(answer["header"]["status"], "succ", answer)
                    status = answer["message"]["txnstatus_response"]["txn_status"]
                    self.assertEqual(status["correlation_id"], transaction.correlation_id)
                    self.assertEqual([i["reference_id"] for i in status["search_response"]], ["fix12-a-1"])

    def test_another_sender_of_the_same_company_learns_nothing_either(self):
        transaction = self._made_at_a()
        key = private_key("ec")
        other, secret = self._create_client(
            "Fix12 other participant",
            scopes=["dci:search"],
            dci_sender_id="other.fix12.example.org",
            public_key=public_pem(key),
        )
        for attribute_type, known, unknown in self._questions(transaction):
            with self.subTest(attribute_type=attribute_type):
                answers = []
                for value in (known, unknown):
                    envelope = self.signed_envelope(
                        "txn-status",
                        self._question(attribute_type, value),
                        1,
                        key=key,
                        sender_id="other.fix12.example.org",
                    )
                    with self._api() as api:
                        response = api.post(
                            "/dci/registry/sync/txn/status", json=envelope, headers=self._auth(other, secret)
                        )
                    self.assertEqual(response.status_code, 200, response.text)
                    answers.append(response.json())
                self.assertEqual(answers[0]["header"]["status"], "rjct")
                self.assertEqual(_without_per_call_keys(answers[0]), _without_per_call_keys(answers[1]))


@tagged("post_install", "-at_install")
class TestDciLaterAnswersAsTheReceivingEndpoint(DciTwoEndpointsCase):
    """What B's endpoint answers later was read as the first active DCI endpoint's user in its company (A's): an
    asynchronous search received by B answered A's registrants, a subscription made through B was notified of A's,
    and each attempt to deliver them checked A's rules. Each is now read as the user of the endpoint that received
    the request, in its company (``g2p.dci.transaction.endpoint_id``), and not at all once that endpoint is archived:
    never as another company's."""

    def _items(self, family_name, national_id):
        return (
            self.item("expression", {"family_name": family_name}),
            self.item("idtype-value", {"type": "UIN", "value": national_id}),
        )

    def test_async_search_received_by_b_answers_a_registrant_of_a_as_nobody(self):
        walled = registrant(self.env, self.company_a, "Walled", "Zzfix12async", national_id="77120001")
        about_walled = self.searched_at(self.endpoint_b, *self._items("Zzfix12async", "77120001"))
        about_nobody = self.searched_at(self.endpoint_b, *self._items("Zzfix12nobody", "77120009"))
        self.assertEqual(self.names_in(about_walled), [[], []])
        self.assertEqual(_without_per_call_keys(about_walled), _without_per_call_keys(about_nobody))
        self.assert_never_named(walled)
        transaction = self.env["g2p.dci.transaction"].search([], limit=1)
        self.assertEqual((transaction.endpoint_id, transaction.company_id), (self.endpoint_b, self.company_b))
        # the honest paths: each endpoint answers its own company's registrant
        registrant(self.env, self.company_b, "Own", "Zzfix12async")
        by_name = self.item("expression", {"family_name": "Zzfix12async"})
        self.assertEqual(self.names_in(self.searched_at(self.endpoint_b, by_name)), [["Own"]])
        by_name = self.item("expression", {"family_name": "Zzfix12async"})
        self.assertEqual(self.names_in(self.searched_at(self.endpoint, by_name)), [["Walled"]])

    def test_subscription_made_at_b_is_not_notified_of_a_registrant_of_a(self):
        self.subscribe_at(self.endpoint_b, "Zzfix12notify")
        (on_subscribe,) = self.callbacks()
        self.assertEqual(on_subscribe["message"]["subscribe_response"][0]["status"], "succ", on_subscribe)
        walled = registrant(self.env, self.company_a, "Walled", "Zzfix12notify")
        self.assertEqual(self.callbacks(), [], "no notify of another registry's registrant")
        self.assert_never_named(walled)
        subscription = self.env["g2p.dci.subscription"].search([("filter_json", "ilike", "Zzfix12notify")])
        self.assertEqual(subscription.transaction_id.endpoint_id, self.endpoint_b)
        # the honest path: a new registrant of B is notified
        registrant(self.env, self.company_b, "Own", "Zzfix12notify")
        (notify,) = self.callbacks()
        (event,) = notify["message"]["notify_event"]
        self.assertEqual(event["data"]["reg_records"]["name"]["given_name"], "Own")

    def test_attempt_of_an_on_search_received_by_b_reads_as_b(self):
        person = registrant(self.env, self.company_b, "Moved", "Zzfix12moved")
        self.sent_to(self.endpoint_b, "Zzfix12moved")
        self.run_jobs(SEARCHED)  # searched and queued, not sent yet
        on_search = [("event_type", "=", "dci.on-search")]
        delivery = self.env["g2p.api.delivery"].search(on_search, order="id desc", limit=1)
        self.assertEqual((delivery.registrant_ids, delivery.company_id), (person, self.company_b))
        person.company_id = self.company_a  # moved to A's registry before the attempt
        self.assertEqual(self.callbacks(), [], "the attempt sends nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", MOVED))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("delivery_id", "=", delivery.id)]))

    def test_a_search_received_by_an_archived_endpoint_is_not_answered_as_another(self):
        walled = registrant(self.env, self.company_a, "Walled", "Zzfix12archived")
        self.sent_to(self.endpoint_b, "Zzfix12archived")
        transaction = self.env["g2p.dci.transaction"].search([], limit=1)
        self.endpoint_b.active = False
        self.assertEqual(self.callbacks(), [], "not answered: B's endpoint is gone, A's is not B's")
        self.assertEqual(transaction.status, "pdng")
        self.assert_never_named(walled)

    def test_the_migration_gives_transactions_their_endpoint(self):
        self.searched_at(self.endpoint, self.item("expression", {"family_name": "Zzfix12migrated"}))
        self.searched_at(self.endpoint_b, self.item("expression", {"family_name": "Zzfix12migrated"}))
        self.subscribe_at(self.endpoint_b, "Zzfix12migrated")
        self.callbacks()
        transactions = self.env["g2p.dci.transaction"].search([], limit=3)
        self.assertEqual(transactions.endpoint_id, self.endpoint | self.endpoint_b)
        expected = {transaction: transaction.endpoint_id for transaction in transactions}
        # B gets a second DCI endpoint: its transactions are placed by their calls' audit rows
        self.endpoint_b.copy({"root_path": "/dci-b-old", "active": False})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE g2p_dci_transaction SET endpoint_id = NULL WHERE id IN %s", [tuple(transactions.ids)]
        )
        self.env.invalidate_all()
        run_migration(self.env, MIGRATION)
        for transaction in transactions:
            self.assertEqual(transaction.endpoint_id, expected[transaction])


@tagged("post_install", "-at_install")
class TestDciUnsubscribeKeepsItsCompany(DciTwoEndpointsCase):
    """``/registry/unsubscribe`` looked the codes up by sender alone (eighth audit): sent to company B's endpoint, it
    ended a subscription made through A's, and its on-unsubscribe, a delivery of company B that B's API Managers
    read, named A's code and its state (succ, then ``already_unsubscribed``, where a code nobody holds is
    ``invalid``). Another company's code is now answered exactly as an unknown one and nothing changes; so is a
    subscribe that repeats one of A's (it is B's own, with its own code), while A's endpoint still ends A's."""

    def _unsubscribe_at(self, endpoint, code):
        """The on-unsubscribe of ``code`` sent to ``endpoint``, without what differs at each call; the code itself
        written ``<code>``."""
        envelope = self.signed_envelope(
            "unsubscribe",
            {"transaction_id": str(uuid.uuid4())[:30], "timestamp": now(), "subscription_codes": [code]},
            1,
        )
        self.post_to(endpoint, "/registry/unsubscribe", envelope)
        (callback,) = self.callbacks()
        return _without_per_call_keys(json.loads(json.dumps(callback).replace(code, "<code>")))

    def _subscribed_at(self, endpoint, family_name):
        """The on-subscribe answer of one subscription to new registrants of ``family_name`` sent to ``endpoint``."""
        self.subscribe_at(endpoint, family_name)
        (on_subscribe,) = self.callbacks()
        (answer,) = on_subscribe["message"]["subscribe_response"]
        return answer

    def test_unsubscribe_at_b_of_a_code_made_at_a_is_answered_as_unknown(self):
        code = self._subscribed_at(self.endpoint, "Zzaudit13u")["subscriptions"][0]["code"]
        subscription = self.env["g2p.dci.subscription"].search([("code", "=", code)])
        self.assertEqual(subscription.transaction_id.company_id, self.company_a, "made through A's endpoint")
        unknown = self._unsubscribe_at(self.endpoint_b, "zz-audit13-nobody")
        self.assertEqual(unknown["message"]["status_reason_code"], "rjct.subscription_code.invalid")
        for attempt in ("first", "again"):
            with self.subTest(attempt=attempt):
                self.assertEqual(self._unsubscribe_at(self.endpoint_b, code), unknown)
                self.assertEqual((subscription.state, subscription.unsubscribed_date), ("subscribe", False))
        self.env.flush_all()
        told = (
            self.env["g2p.api.delivery"].with_user(self.manager_b).search([("event_type", "=", "dci.on-unsubscribe")])
        )
        self.assertEqual(len(told), 3, "B's staff read the answers B's endpoint gave")
        self.assertFalse(told.filtered(lambda d: '"subscription_status"' in d.body), "no state of A's subscription")
        # the honest path: A's endpoint ends A's subscription
        self.assertEqual(self._unsubscribe_at(self.endpoint, code)["message"]["status"], "succ")
        self.assertEqual(subscription.state, "unsubscribe")

    def test_subscribe_at_b_repeating_a_subscription_made_at_a_is_b_own(self):
        code_a = self._subscribed_at(self.endpoint, "Zzaudit13same")["subscriptions"][0]["code"]
        at_b = self._subscribed_at(self.endpoint_b, "Zzaudit13same")
        self.assertEqual(at_b["status"], "succ", "not already_subscribed: A's subscription is not B's")
        made = self.env["g2p.dci.subscription"].search([("code", "=", at_b["subscriptions"][0]["code"])])
        self.assertEqual(made.transaction_id.company_id, self.company_b)
        self.env.flush_all()
        self.assertFalse(self.env["g2p.api.delivery"].with_user(self.manager_b).search([("body", "ilike", code_a)]))
        # within a company, the repeat is refused as before
        again = self._subscribed_at(self.endpoint_b, "Zzaudit13same")
        self.assertEqual(again["status_reason_code"], "rjct.event.already_subscribed")

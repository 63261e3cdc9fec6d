"""What the DCI app answers later (on-search of an asynchronous search, notify of a subscription, each attempt to
deliver them) keeps the DCI endpoint's record rules, and a household's size is not searched on. The fifth audit
proved both attacks (``TestAudit10DciAsyncCrossesCompanies``, ``TestAudit10DciGroupSizeOracle``); each test
performs one and asserts it is refused, or answered as for nobody."""

import json

from odoo import Command
from odoo.tests import tagged

from odoo.addons.g2p_dci_search.tests.common import DciAsyncCase

# what differs between the answers to two requests, whatever they found
PER_CALL_KEYS = {
    "signature",
    "message_id",
    "message_ts",
    "timestamp",
    "transaction_id",
    "correlation_id",
    "reference_id",
}
MOVED = "not sent: the registry's rules no longer let the client read the registrants of this event"


def _without_per_call_keys(value):
    if isinstance(value, dict):
        return {key: _without_per_call_keys(item) for key, item in value.items() if key not in PER_CALL_KEYS}
    if isinstance(value, list):
        return [_without_per_call_keys(item) for item in value]
    return value


@tagged("post_install", "-at_install")
class TestDciGroupSizeNotSearchable(DciAsyncCase):
    """A household's stored size counts every current member, those the participant may not read included: a
    search or sort on it told how many silent (non-consenting) members a household has. ``group_size`` is refused
    by name, whatever the bound, in a search, a sort and a subscription filter; the record still shows the count
    of the members the participant reads."""

    def _household_answer(self, query, **criteria):
        item = self.item("expression", query, reg_type="Household", **criteria)
        response = self.search(self.envelope([item]), validate=False)
        self.assertEqual(response.status_code, 200, response.text)
        (answer,) = response.json()["message"]["search_response"]
        return answer

    def test_group_size_search_and_sort_are_refused_by_name(self):
        _household, _shown, hidden = self.household_with_a_silent_member("Zzaudsize")
        disclosures = self.env["g2p.api.disclosure"].search_count([])
        refusals = []
        for minimum in (2, 3):
            answer = self._household_answer({"group_name": "Zzaudsize household", "group_size": {"$gte": minimum}})
            self.assertEqual((answer["status"], answer["status_reason_code"]), ("rjct", "rjct.search_criteria.invalid"))
            self.assertNotIn("data", answer)
            refusals.append(answer["status_reason_message"])
        self.assertEqual(refusals[0], refusals[1], "the same refusal whatever the bound")
        self.assertIn("group_size", refusals[0])
        by_size = [{"attribute_name": "group_size", "sort_order": "desc"}]
        answer = self._household_answer({"group_name": "Zzaudsize household"}, sort=by_size)
        self.assertEqual((answer["status"], answer["status_reason_code"]), ("rjct", "rjct.sort.invalid"))
        self.assertIn("group_size", answer["status_reason_message"])
        self.assertEqual(self.env["g2p.api.disclosure"].search_count([]), disclosures, "nobody disclosed")
        # the honest search: the household, counting the member the participant reads
        answer = self._household_answer({"group_name": "Zzaudsize household"})
        (record,) = answer["data"]["reg_records"]
        self.assertEqual(record["group_size"], 1)
        self.assertNotIn(hidden.uuid, json.dumps(record))

    def test_group_size_subscription_filter_is_refused(self):
        Subscription = self.env["g2p.dci.subscription"]
        before = Subscription.search_count([])
        answer = self.subscribe("REGISTER", {"group_size": {"$gte": 2}}, reg_type="Household")
        self.assertEqual((answer["status"], answer["status_reason_code"]), ("rjct", "rjct.notify_details.invalid"))
        self.assertIn("group_size", answer["status_reason_message"])
        self.assertEqual(Subscription.search_count([]), before, "no subscription recorded")


@tagged("post_install", "-at_install")
class TestDciLaterAnswersKeepCompanyWalls(DciAsyncCase):
    """The asynchronous search and the notifications were searched as the superuser, and each attempt to deliver
    them checked consent only: another registry's (company's) registrant was answered later although the
    synchronous search of the same participant finds nobody. They are now searched as the DCI endpoint's user in
    its company, and each attempt checks that endpoint's record rules again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Audit10 DCI registry B"})

    def _registrant(self, given_name, family_name, company=None, id_value=None):
        nid = self.env.ref("g2p_partner_api.id_type_national_id")
        identifiers = [Command.create({"id_type_id": nid.id, "value": id_value})] if id_value else []
        return self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": given_name,
                "family_name": family_name,
                "company_id": (company or self.env.company).id,
                "reg_id_ids": identifiers,
            }
        )

    def _sync_records(self, item):
        response = self.search(self.envelope([item]), validate=False)
        self.assertEqual(response.status_code, 200, response.text)
        (answer,) = response.json()["message"]["search_response"]
        return answer["data"]["reg_records"]

    def _items(self, family_name, id_value):
        # a reference id is used once: the same criteria under new ones at each call
        return [
            self.item("expression", {"family_name": family_name}),
            self.item("idtype-value", {"type": "UIN", "value": id_value}),
        ]

    def _assert_never_named(self, registrant):
        self.assertFalse(self.env["g2p.api.delivery"].search([("registrant_ids", "in", registrant.ids)]))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("partner_id", "=", registrant.id)]))

    def _dci_delivery(self, kind):
        return self.env["g2p.api.delivery"].search([("event_type", "=", f"dci.{kind}")], order="id desc", limit=1)

    def test_async_search_answers_a_walled_registrant_as_an_unknown_one(self):
        walled = self._registrant("Walled", "Zzaudasyncwall", self.other_company, "77100001")
        by_expression, by_identifier = self._items("Zzaudasyncwall", "77100001")
        self.assertEqual(self._sync_records(by_expression), [], "the synchronous search finds nobody")
        self.assertEqual(self._sync_records(by_identifier), [])
        self.ack("/registry/search", self.envelope(self._items("Zzaudasyncwall", "77100001")))
        (about_walled,) = self.callbacks()
        self.ack("/registry/search", self.envelope(self._items("Zzaudnobodyson", "77100009")))
        (about_nobody,) = self.callbacks()
        self.assertEqual(_without_per_call_keys(about_walled), _without_per_call_keys(about_nobody))
        for answer in about_walled["message"]["search_response"]:
            self.assertEqual((answer["status"], answer["data"]["reg_records"]), ("succ", []), answer)
        self._assert_never_named(walled)
        # the honest path: the same registrant in the endpoint's company is answered
        walled.company_id = self.env.company
        self.ack("/registry/search", self.envelope(self._items("Zzaudasyncwall", "77100001")))
        (callback,) = self.callbacks()
        for answer in callback["message"]["search_response"]:
            self.assertEqual([r["name"]["given_name"] for r in answer["data"]["reg_records"]], ["Walled"])

    def test_notify_is_not_sent_of_a_walled_new_registrant(self):
        self.subscribe("REGISTER", {"family_name": "Zzaudnotifywall"})
        walled = self._registrant("Walled", "Zzaudnotifywall", self.other_company)
        self.assertEqual(self.callbacks(), [], "no notify of another registry's registrant")
        self._assert_never_named(walled)
        self.assertEqual(self._sync_records(self.item("expression", {"family_name": "Zzaudnotifywall"})), [])
        # the honest path: a new registrant of the endpoint's company is notified
        self._registrant("Own", "Zzaudnotifywall")
        (notify,) = self.callbacks()
        (event,) = notify["message"]["notify_event"]
        self.assertEqual(event["data"]["reg_records"]["name"]["given_name"], "Own")

    def test_on_search_of_a_registrant_moved_to_another_registry_is_not_sent(self):
        person = self._registrant("Moved", "Zzaudmovedson")
        self.ack("/registry/search", self.envelope([self.item("expression", {"family_name": "Zzaudmovedson"})]))
        self.run_jobs(["g2p.dci.transaction"])  # searched and queued, not sent yet
        delivery = self._dci_delivery("on-search")
        self.assertEqual(delivery.registrant_ids, person)
        person.company_id = self.other_company
        self.assertEqual(self.callbacks(), [], "the attempt sends nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", MOVED))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("delivery_id", "=", delivery.id)]))

    def test_notify_of_a_registrant_moved_to_another_registry_is_not_sent(self):
        self.subscribe("REGISTER", {"family_name": "Zzaudmovednotify"})
        person = self._registrant("Moved", "Zzaudmovednotify")
        self.commit_events()
        delivery = self._dci_delivery("notify")
        self.assertEqual((delivery.registrant_ids, delivery.state), (person, "pending"))
        person.company_id = self.other_company
        self.assertEqual(self.callbacks(), [], "the attempt sends nothing")
        self.assertEqual((delivery.state, delivery.attempt_ids.sorted("id")[-1].error), ("failed", MOVED))
        self.assertFalse(self.env["g2p.api.disclosure"].search([("delivery_id", "=", delivery.id)]))

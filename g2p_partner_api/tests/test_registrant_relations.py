import json
from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..schemas import registrant_parts
from ..services.orm_prefetch import prefetch_paths
from .common import G2PApiCase
from .query_log import logged_queries


def _per_relation(records, paths, also=None):
    """What ``prefetch_lines_at_once`` loads, by a query per relation (``also``: by its own query)."""
    return prefetch_paths(records, paths)


class RelationsCompared:
    """Answers of REST reads with the registrants' relations (identifiers, memberships, their kinds, the groups)
    loaded by one statement (``prefetch_lines_at_once``), compared with the same calls loading them by a query per
    relation (``prefetch_paths``, the way before it): same status, same bytes."""

    def _answers(self, api, url, headers, **params):
        """(the answer, the statements it ran) with the statement, and with a query per relation; the two
        answers checked to be the same."""
        with logged_queries(self.env) as one:
            answer = api.get(url, params=params, headers=headers)
        per_relation = patch.object(registrant_parts, "prefetch_lines_at_once", _per_relation)
        with per_relation, logged_queries(self.env) as per:
            before = api.get(url, params=params, headers=headers)
        self.assertEqual((answer.status_code, answer.content), (before.status_code, before.content), f"{url} {params}")
        return answer, one, per

    def _reads(self, api, headers, person, kind="Individual"):
        """The answers of reading ``person`` by uuid, by identifier and in a page, each compared (see
        ``_answers``); the read by uuid, its statements and those of the read by a query per relation."""
        read = self._answers(api, f"/api/v2/{kind}/{person.uuid}", headers)
        value = person.reg_id_ids.sorted("id")[:1].value
        if value:
            found = self._answers(api, f"/api/v2/{kind}", headers, identifier=f"urn:g2p:id:national-id|{value}")[0]
            self.assertEqual(found.status_code, read[0].status_code, found.text)
        self._answers(api, f"/api/v2/{kind}", headers, name="Zzrelation", _count=50)
        return read


@tagged("post_install", "-at_install")
class TestRelationsInOneStatement(RelationsCompared, G2PApiCase):
    """The relations of a page are read by one statement built from the comodels' own queries: every record rule
    Odoo has on them applies as it did, and the answers are those of a query per relation, byte for byte."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Relations", scopes=["individual:read", "group:read"])
        ref = cls.env.ref
        cls.nid, cls.passport = ref("g2p_partner_api.id_type_national_id"), ref("g2p_partner_api.id_type_passport")
        cls.head = ref("g2p_partner_api.vocab_membership_kind_head")
        cls.child = ref("g2p_partner_api.vocab_membership_kind_child")
        Partner = cls.env["res.partner"]

        def person(name, number, family="Zzrelation"):
            ids = [Command.create({"id_type_id": cls.nid.id, "value": f"77100{number:04d}"})]
            ids.append(Command.create({"id_type_id": cls.passport.id, "value": f"ZR{number:05d}"}))
            return Partner.create({"is_registrant": True, "given_name": name, "family_name": family, "reg_id_ids": ids})

        cls.plain, cls.archived_member = person("Plain", 1), person("Archived", 2)
        cls.elsewhere = person("Elsewhere", 3, "Zzforeign")
        other = cls.env["res.company"].create({"name": "Another registry (relations)"})

        def group(name, members, **vals):
            lines = [
                Command.create(dict({"individual_id": p.id, "kind_ids": [Command.set(k.ids)]}, **m))
                for p, k, m in members
            ]
            return Partner.create(
                dict({"is_registrant": True, "is_group": True, "name": name, "group_member_ids": lines}, **vals)
            )

        yesterday = date.today() - timedelta(days=2)
        cls.household = group(
            "Zzrelation household",
            [
                (cls.plain, cls.head | cls.child, {}),
                (cls.elsewhere, cls.child, {}),
                (cls.archived_member, cls.child, {}),
            ],
        )
        cls.hidden_line_group = group("Zzrelation hidden line", [(cls.plain, cls.head, {})])
        cls.ended = group(
            "Zzrelation ended",
            [(cls.archived_member, cls.child, {"start_date": yesterday - timedelta(days=5), "end_date": yesterday})],
        )
        cls.archived = group("Zzrelation archived", [(cls.archived_member, cls.child, {})])
        cls.archived.action_archive()
        # a group of another registry (company): the multi-company rule hides it from the endpoint's user
        cls.foreign = group("Zzrelation foreign", [(cls.elsewhere, cls.head, {})], company_id=other.id)
        cls.runner_group = cls.env.ref("g2p_partner_api.group_partner_api_runner")

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _rule(self, model, domain):
        return self.env["ir.rule"].create(
            {
                "name": f"Relations test: {model}",
                "model_id": self.env["ir.model"]._get_id(model),
                "groups": [Command.link(self.runner_group.id)],
                "domain_force": domain,
                "perm_write": False,
                "perm_create": False,
                "perm_unlink": False,
            }
        )

    def test_same_answers_in_fewer_statements(self):
        with self._api() as api:
            api.get(f"/api/v2/Individual/{self.plain.uuid}", headers=self.headers)  # the worker's caches filled
            (read, one, per) = self._reads(api, self.headers, self.plain)
            (archived, _o, _p) = self._reads(api, self.headers, self.archived_member)
            self._reads(api, self.headers, self.household, kind="Group")
            self._reads(api, self.headers, self.archived, kind="Group")
        body = read.json()
        self.assertEqual(len(body["identifiers"]), 2)
        self.assertEqual(
            {g["group"]: [k["code"] for k in g["kinds"]] for g in body["groups"]},
            {self.household.uuid: ["head", "child"], self.hidden_line_group.uuid: ["head"]},
        )
        # an ended membership is left out, one in an archived group shown (as before)
        self.assertEqual({g["group"] for g in archived.json()["groups"]}, {self.household.uuid, self.archived.uuid})
        # identifiers, memberships, their kinds and the groups: one statement, not four
        self.assertEqual(len(per) - len(one), 3, f"one statement:\n{one}\n\na query per relation:\n{per}")

    def test_record_rules_of_every_relation_apply(self):
        """Rules on identifiers, memberships and codes (none in the suite: an integrator's) hide what they hide."""
        self._rule("g2p.reg.id", f"[('id_type_id', '!=', {self.passport.id})]")
        self._rule("g2p.group.membership", "[('group_id.name', 'not ilike', 'hidden line')]")
        self._rule("g2p.vocabulary.code", f"[('id', '!=', {self.child.id})]")
        with self._api() as api:
            (read, _one, _per) = self._reads(api, self.headers, self.plain)
            self._reads(api, self.headers, self.household, kind="Group")
        body = read.json()
        self.assertEqual([i["system"] for i in body["identifiers"]], ["urn:g2p:id:national-id"])
        self.assertEqual(
            [(g["group"], [k["code"] for k in g["kinds"]]) for g in body["groups"]], [(self.household.uuid, ["head"])]
        )

    def test_group_the_rules_hide_is_left_out(self):
        """A membership in a group of another registry: the group the rules hide is never read (no 403), and the
        individual is answered without it, whichever way its relations load."""
        with self._api() as api:
            (read, _one, _per) = self._reads(api, self.headers, self.elsewhere)
        self.assertEqual(read.status_code, 200, read.text)
        self.assertEqual([g["group"] for g in read.json()["groups"]], [self.household.uuid])
        self.assertNotIn(self.foreign.uuid, read.text)

    # --- record rules changed between two calls (each call builds their SQL) ---------------------------------------

    def _groups_of(self, answer):
        return {g["group"]: [k["code"] for k in g["kinds"]] for g in answer.json()["groups"]}

    def test_rules_added_or_changed_between_calls_apply_at_the_next(self):
        """The worker keeps the SQL of each relation's rules: a rule added, then changed, on identifiers,
        memberships, kinds and groups after a call applies at the next call, answered as a query per relation
        answers it."""
        with self._api() as api:
            (first, _one, _per) = self._reads(api, self.headers, self.plain)
            self._reads(api, self.headers, self.household, kind="Group")
            self.assertEqual(len(first.json()["identifiers"]), 2)
            self.assertEqual(set(self._groups_of(first)), {self.household.uuid, self.hidden_line_group.uuid})
            ids_rule = self._rule("g2p.reg.id", f"[('id_type_id', '!=', {self.passport.id})]")
            lines_rule = self._rule("g2p.group.membership", f"[('group_id', '!=', {self.hidden_line_group.id})]")
            kinds_rule = self._rule("g2p.vocabulary.code", f"[('id', '!=', {self.child.id})]")
            (second, _one, _per) = self._reads(api, self.headers, self.plain)
            self._reads(api, self.headers, self.household, kind="Group")
            self.assertEqual([i["system"] for i in second.json()["identifiers"]], ["urn:g2p:id:national-id"])
            self.assertEqual(self._groups_of(second), {self.household.uuid: ["head"]})
            ids_rule.domain_force = f"[('id_type_id', '!=', {self.nid.id})]"
            lines_rule.domain_force = f"[('group_id', '!=', {self.household.id})]"
            kinds_rule.domain_force = f"[('id', '!=', {self.head.id})]"
            (third, _one, _per) = self._reads(api, self.headers, self.plain)
            self.assertEqual([i["system"] for i in third.json()["identifiers"]], ["urn:g2p:id:passport"])
            self.assertEqual(self._groups_of(third), {self.hidden_line_group.uuid: []})
            ids_rule.unlink()
            # a group the rules on partners hide (a global rule, as an integrator's): left out of its member's read
            self.env["ir.rule"].create(
                {
                    "name": "Relations test: hidden household",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "domain_force": f"[('id', '!=', {self.hidden_line_group.id})]",
                }
            )
            (fourth, _one, _per) = self._reads(api, self.headers, self.plain)
        self.assertEqual(fourth.status_code, 200, fourth.text)
        self.assertEqual(self._groups_of(fourth), {})

    def test_endpoint_company_changed_between_calls(self):
        """The multi-company rule on partners (``company_id parent_of`` the endpoint's companies): the endpoint
        moved to a branch of another registry between two calls, that registry's group is read and the
        registrants of the first registry are unknown, as a query per relation answers."""
        self.plain.company_id = self.rest_endpoint.company_id
        with self._api() as api:
            (before, _one, _per) = self._reads(api, self.headers, self.elsewhere)
            self.assertEqual(self._groups_of(before), {self.household.uuid: ["child"]})  # the foreign group hidden
            self.assertEqual(api.get(f"/api/v2/Group/{self.foreign.uuid}", headers=self.headers).status_code, 404)
            self.assertEqual(api.get(f"/api/v2/Individual/{self.plain.uuid}", headers=self.headers).status_code, 200)
        other = self.foreign.company_id
        branch = self.env["res.company"].create({"name": "Branch of another registry", "parent_id": other.id})
        self.rest_endpoint.user_id.write({"company_ids": [Command.link(branch.id)], "company_id": branch.id})
        self.rest_endpoint.company_id = branch
        with self._api() as api:
            (group, _one, _per) = self._reads(api, self.headers, self.foreign, kind="Group")
            (after, _one, _per) = self._reads(api, self.headers, self.elsewhere)
            self.assert_answered_as_unknown(
                api, "get", "/api/v2/Individual/{uuid}", self.plain.uuid, headers=self.headers
            )
        self.assertEqual(group.status_code, 200, group.text)
        self.assertEqual([m["individual"] for m in group.json()["members"]], [self.elsewhere.uuid], group.text)
        self.assertEqual(after.status_code, 200, after.text)
        self.assertEqual(self._groups_of(after), {self.household.uuid: ["child"], self.foreign.uuid: ["head"]})

    def test_child_of_over_a_tree_changed_between_calls(self):
        """A rule whose SQL reads data (``child_of`` over partners' ``parent_id``, resolved by searches) is built
        at each call: a group moved under the tree's root between two calls is shown at the next."""
        root = self.env["res.partner"].create({"name": "Programme root (relations)", "is_company": True})
        self._rule("g2p.group.membership", f"[('group_id', 'child_of', [{root.id}])]")
        with self._api() as api:
            (before, _one, _per) = self._reads(api, self.headers, self.plain)
            self.assertEqual(self._groups_of(before), {})
            self.household.parent_id = root
            (after, _one, _per) = self._reads(api, self.headers, self.plain)
        self.assertEqual(self._groups_of(after), {self.household.uuid: ["head", "child"]})


@tagged("post_install", "-at_install")
class TestHiddenRelations(G2PApiCase):
    """A household the API user's record rules hide (another registry's company) is not disclosed by the answers
    about an individual the client may read, and a member they hide is not disclosed by the answers about a
    household: each answer is the one given were that membership not there (same bytes, same ETag), never a 403,
    and no audit or disclosure row names the hidden registrant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Hidden relations", scopes=["individual:read", "individual:write", "group:read", "group:write"]
        )
        cls.nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.household_id = cls.env.ref("g2p_partner_api.id_type_household_id")
        cls.head = cls.env.ref("g2p_partner_api.vocab_membership_kind_head")
        other = cls.env["res.company"].create({"name": "Another registry (hidden relations)"})
        Partner = cls.env["res.partner"]

        def registrant(vals, number, id_type):
            ids = [Command.create({"id_type_id": id_type.id, "value": f"77300{number:04d}"})]
            return Partner.create(dict({"is_registrant": True, "reg_id_ids": ids}, **vals))

        cls.person = registrant({"given_name": "Person", "family_name": "Zzhiddenrel"}, 1, cls.nid)
        cls.outsider = registrant(
            {"given_name": "Outsider", "family_name": "Zzhiddenrel", "company_id": other.id}, 2, cls.nid
        )
        cls.household = registrant(
            {
                "is_group": True,
                "name": "Zzhiddenrel household",
                "group_member_ids": [
                    Command.create({"individual_id": cls.person.id, "kind_ids": [Command.set(cls.head.ids)]}),
                    Command.create({"individual_id": cls.outsider.id}),
                ],
            },
            3,
            cls.household_id,
        )
        cls.foreign = registrant(
            {
                "is_group": True,
                "name": "Zzhiddenrel foreign",
                "company_id": other.id,
                "group_member_ids": [
                    Command.create({"individual_id": cls.person.id, "kind_ids": [Command.set(cls.head.ids)]}),
                ],
            },
            4,
            cls.household_id,
        )
        cls.hidden = cls.foreign | cls.outsider

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _reads(self):
        """(status, body, ETag) of every read that shows the individual or the household."""
        person, household = self.person, self.household
        nid = f"urn:g2p:id:national-id|{person.reg_id_ids.value}"
        hid = {"system": "urn:g2p:id:household-id", "value": household.reg_id_ids.value}
        with self._api() as api:
            answers = [
                api.get(f"/api/v2/Individual/{person.uuid}", headers=self.headers),
                api.get("/api/v2/Individual", params={"identifier": nid}, headers=self.headers),
                api.get("/api/v2/Individual", params={"name": "Zzhiddenrel"}, headers=self.headers),
                api.post(
                    "/api/v2/Individual/$lookup",
                    json={"identifiers": [{"system": "urn:g2p:id:national-id", "value": person.reg_id_ids.value}]},
                    headers=self.headers,
                ),
                api.get(f"/api/v2/Group/{household.uuid}", headers=self.headers),
                api.get("/api/v2/Group", params={"name": "Zzhiddenrel"}, headers=self.headers),
                api.post("/api/v2/Group/$lookup", json={"identifiers": [hid]}, headers=self.headers),
            ]
        return [(answer.status_code, answer.text, answer.headers.get("ETag")) for answer in answers]

    def _without_hidden_memberships(self):
        (self.person.group_membership_ids.filtered(lambda m: m.group_id == self.foreign)).sudo().unlink()
        (self.household.group_member_ids.filtered(lambda m: m.individual_id == self.outsider)).sudo().unlink()
        self.env.invalidate_all()

    def assertNothingOfTheHidden(self, text):
        for registrant in self.hidden:
            self.assertNotIn(registrant.uuid, text)
            self.assertNotIn(registrant.reg_id_ids.value, text)
            self.assertNotIn(registrant.name, text)

    def test_reads_are_those_without_the_hidden_memberships(self):
        before = self.env["g2p.api.disclosure"].sudo().search_count([])
        answers = self._reads()
        self.assertEqual([status for status, _text, _etag in answers], [200] * 7, answers)
        for _status, text, _etag in answers:
            self.assertNothingOfTheHidden(text)
        body = json.loads(answers[0][1])
        self.assertEqual([g["group"] for g in body["groups"]], [self.household.uuid], "a group it may read: shown")
        self.assertEqual([m["individual"] for m in json.loads(answers[4][1])["members"]], [self.person.uuid])
        disclosures = self.env["g2p.api.disclosure"].sudo().search([], order="id desc", limit=100)
        self.assertGreater(len(disclosures.filtered(lambda d: d.client_id == self.client)), 0)
        self.assertFalse(disclosures.filtered(lambda d: d.partner_id in self.hidden), "no disclosure of the hidden")
        self.assertGreater(self.env["g2p.api.disclosure"].sudo().search_count([]), before)
        audits = self.env["g2p.api.audit.log"].sudo().search([("client_id", "=", self.client.id)])
        self.assertNothingOfTheHidden(str(audits.read([f for f in audits._fields if f not in ("id",)])))
        self._without_hidden_memberships()
        self.assertEqual(answers, self._reads(), "the answers of the same registrants without those memberships")

    def test_write_answer_leaves_the_hidden_group_out(self):
        with self._api() as api:
            patched = api.patch(
                f"/api/v2/Individual/{self.person.uuid}", json={"addl_name": "Middle"}, headers=self.headers
            )
        self.assertEqual(patched.status_code, 200, patched.text)
        self.assertEqual([g["group"] for g in patched.json()["groups"]], [self.household.uuid])
        self.assertNothingOfTheHidden(patched.text)

    def test_group_written_back_as_read_keeps_the_hidden_member(self):
        """The household put back as it was read (the hidden member not in it): the hidden member's membership is
        left as it is (not ended), and the answer does not show it either; ending it by uuid is a 404."""
        outsider_line = self.household.group_member_ids.filtered(lambda m: m.individual_id == self.outsider)
        with self._api() as api:
            read = api.get(f"/api/v2/Group/{self.household.uuid}", headers=self.headers)
            put = api.put(f"/api/v2/Group/{self.household.uuid}", json=read.json(), headers=self.headers)
            end = api.post(
                f"/api/v2/Group/{self.household.uuid}/members/{self.outsider.uuid}/end",
                json={"end_date": date.today().isoformat(), "reason": "Moved"},
                headers=self.headers,
            )
        self.assertEqual(put.status_code, 200, put.text)
        self.assertNothingOfTheHidden(put.text)
        self.assertEqual([m["individual"] for m in put.json()["members"]], [self.person.uuid])
        self.assertEqual(end.status_code, 404, end.text)  # as for any individual that is no member
        self.env.invalidate_all()
        self.assertTrue(outsider_line.exists())
        self.assertFalse(outsider_line.end_date, "a membership the client cannot see is not ended")

    def test_a_delivery_naming_a_household_the_rules_now_hide_is_not_sent(self):
        """Each attempt checks what the delivery names as its payload was built: a household moved to another
        registry after the event is not sent at the next attempt (consent unchanged), and is again once back."""
        Subscription = self.env["g2p.api.subscription"].sudo()
        subscription = Subscription.create(
            {
                "name": "Hidden relations hook",
                "client_id": self.client.id,
                "target_url": "https://partner.example.org/hook",
                "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_individual_updated").ids)],
            }
        )
        scope, payload, named = subscription._payload_for(self.client.sudo(), "individual.updated", self.person.sudo())
        delivery = (
            self.env["g2p.api.delivery"]
            .sudo()
            .create(
                {
                    "subscription_id": subscription.id,
                    "event_type": "individual.updated",
                    "event_id": "evt-hidden-relations",
                    "subject": self.person.uuid,
                    "url": "https://partner.example.org/hook",
                    "http_method": "POST",
                    "body": json.dumps(payload),
                    "required_scope": scope,
                    "registrant_ids": [(6, 0, named)],
                }
            )
        )
        self.assertEqual(set(named), {self.person.id, self.household.id})
        self.assertIsNone(delivery._refusal())
        home = self.household.company_id
        self.household.company_id = self.foreign.company_id
        self.assertEqual(
            delivery._refusal(), "the registry's rules no longer let the client read the registrants of this event"
        )
        self.household.company_id = home
        self.assertIsNone(delivery._refusal())

    def test_outbound_payload_leaves_the_hidden_group_out(self):
        """A delivery about the individual (or the household) carries the REST read's form: no hidden uuid; a
        membership event naming a hidden group or member is not sent at all."""
        # a subscription made through the REST endpoint
        Subscription = self.env["g2p.api.subscription"].sudo().new({"endpoint_id": self.rest_endpoint.id})
        client = self.client.sudo()
        person, household = self.person.sudo(), self.household.sudo()
        about_person = Subscription._payload_for(client, "individual.updated", person)
        about_household = Subscription._payload_for(client, "group.updated", household)
        hidden_line = self.foreign.sudo().group_member_ids
        self.assertIsNone(Subscription._payload_for(client, "membership.changed", hidden_line))
        for scope, payload, named in (about_person, about_household):
            self.assertTrue(scope)
            self.assertNothingOfTheHidden(json.dumps(payload))
            self.assertFalse(set(named) & set(self.hidden.ids))
        self.assertEqual([g["group"] for g in about_person[1]["groups"]], [self.household.uuid])
        self.assertEqual(set(about_household[2]), {self.household.id, self.person.id})
        self._without_hidden_memberships()
        self.assertEqual(about_person[1], Subscription._payload_for(client, "individual.updated", person)[1])
        self.assertEqual(about_household[1], Subscription._payload_for(client, "group.updated", household)[1])

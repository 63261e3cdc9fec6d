from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..schemas import registrant_parts
from ..services.orm_prefetch import prefetch_paths
from .common import G2PApiCase
from .query_log import logged_queries


class RelationsCompared:
    """Answers of REST reads with the registrants' relations (identifiers, memberships, their kinds, the groups)
    loaded by one statement (``prefetch_lines_at_once``), compared with the same calls loading them by a query per
    relation (``prefetch_paths``, the way before it): same status, same bytes."""

    def _answers(self, api, url, headers, **params):
        """(the answer, the statements it ran) with the statement, and with a query per relation; the two
        answers checked to be the same."""
        with logged_queries(self.env) as one:
            answer = api.get(url, params=params, headers=headers)
        with patch.object(registrant_parts, "prefetch_lines_at_once", prefetch_paths), logged_queries(self.env) as per:
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

    def test_group_the_rules_hide_is_refused_as_before(self):
        """A membership in a group of another registry: the group the rules hide is not in the statement's rows, so it
        is fetched as before, and refused as before (403: the read fails, whichever way it loads)."""
        with self._api() as api:
            (read, _one, _per) = self._reads(api, self.headers, self.elsewhere)
        self.assertEqual(read.status_code, 403, read.text)

    # --- the rules' SQL kept per worker (services/rule_query_cache.py): changes between two calls ------------------

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
            # a group the rules on partners hide (a global rule, as an integrator's): its member's read is refused
            self.env["ir.rule"].create(
                {
                    "name": "Relations test: hidden household",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "domain_force": f"[('id', '!=', {self.hidden_line_group.id})]",
                }
            )
            (fourth, _one, _per) = self._reads(api, self.headers, self.plain)
        self.assertEqual(fourth.status_code, 403, fourth.text)

    def test_endpoint_company_changed_between_calls(self):
        """The multi-company rule on partners (``company_id parent_of`` the endpoint's companies): the endpoint
        moved to a branch of another registry between two calls, that registry's group is read and the
        registrants of the first registry are unknown, as a query per relation answers."""
        self.plain.company_id = self.rest_endpoint.company_id
        with self._api() as api:
            (before, _one, _per) = self._reads(api, self.headers, self.elsewhere)
            self.assertEqual(before.status_code, 403, before.text)  # the foreign group hidden
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

import json
from contextlib import contextmanager
from unittest.mock import patch

from extendable import context, main
from extendable.registry import ExtendableClassesRegistry

from odoo import fields
from odoo.tests import tagged

from ..schemas import registrant_values
from ..schemas.base import assembled
from ..schemas.group import Group
from ..schemas.individual import Individual
from ..schemas.registrant_values import CacheMiss, is_plain, to_json
from .common import G2PApiCase
from .query_log import queries_of

NID = "urn:g2p:id:national-id"
HOUSEHOLD = "urn:g2p:id:household-id"


@contextmanager
def without_test_extensions():
    """The schemas as an installation without this module's tests assembles them (the tests' own extension
    of ``Individual``, ``test_schema_extension``, left out)."""
    registry = ExtendableClassesRegistry()
    registry.init_registry([module for module in main._extendable_class_defs_by_module if ".tests." not in module])
    token = context.extendable_registry.set(registry)
    try:
        yield
    finally:
        context.extendable_registry.reset(token)


@tagged("post_install", "-at_install")
class TestRegistrantValues(G2PApiCase):
    """Individuals built from the cache's values (``schemas/registrant_values.py``) answer byte for byte
    what the wire models answer, over varied records; an extension of the wire models is rendered by them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.client, cls.secret = cls._create_client("Values reader", scopes=["individual:read", "group:read"])
        nid, passport = ref("g2p_partner_api.id_type_national_id"), ref("g2p_partner_api.id_type_passport")
        head = ref("g2p_partner_api.vocab_membership_kind_head")
        child = ref("g2p_partner_api.vocab_membership_kind_child")
        grandchild = ref("g2p_partner_api.vocab_membership_kind_grandchild")
        household = ref("g2p_partner_api.id_type_household_id")
        Partner = cls.env["res.partner"]
        names = ["Zoë", 'Ana "Quote" \\ Back', "李 小龍", "Émile\tTab", "Ngozi 🙂", "Plain"]
        cls.people = Partner.create(
            [
                {
                    "is_registrant": True,
                    "given_name": names[i % len(names)],
                    "family_name": f"Values{i:02d}" if i % 4 else False,
                    "addl_name": "Mid" if i % 3 == 0 else False,
                    "birthdate": f"19{50 + i}-0{1 + i % 9}-1{i % 10}" if i % 5 else False,
                    "gender_id": (False, ref("g2p_partner_api.vocab_gender_female").id)[i % 2],
                    "street": "1 Main\nRoad" if i % 2 else False,
                    "city": "Zomba" if i % 3 else False,
                    "zip": "0101" if i % 7 == 1 else False,
                    "country_id": ref("base.mw").id if i % 4 == 1 else False,
                    "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"8800{i:05d}"})]
                    + ([(0, 0, {"id_type_id": passport.id, "value": f"P{i:07d}"})] if i % 3 == 1 else []),
                }
                for i in range(24)
            ]
        )
        cls.groups = Partner.create(
            [
                {
                    "is_registrant": True,
                    "is_group": True,
                    "is_company": True,
                    "name": f"Foyer «{n}»",
                    "city": "Blantyre" if n else False,
                    "reg_id_ids": [(0, 0, {"id_type_id": household.id, "value": f"HH-88{n}"})] if n != 1 else [],
                }
                for n in range(3)
            ]
        )
        Membership = cls.env["g2p.group.membership"]
        for i, person in enumerate(cls.people[:18]):
            Membership.create(
                {
                    "group_id": cls.groups[i % 3].id,
                    "individual_id": person.id,
                    "kind_ids": [(6, 0, [head.id] if i < 3 else [child.id, grandchild.id][: i % 3])],
                    "start_date": "2019-01-01",
                    "end_date": "2020-01-01" if i % 6 == 5 else False,
                }
            )
        # a second membership, in another household, one of its kinds archived since (left out, as the ORM reads)
        sibling = ref("g2p_partner_api.vocab_membership_kind_sibling")
        Membership.create(
            {
                "group_id": cls.groups[2].id,
                "individual_id": cls.people[0].id,
                "kind_ids": [(6, 0, [child.id, sibling.id])],
            }
        )
        sibling.active = False
        cls.people[3]._archive_registrant("Moved abroad")
        source = cls._create_client("Source system", scopes=["individual:write"])[0]
        cls.people[4:8].sudo().write(
            {
                "source_client_id": source.id,
                "source_system": "census-2025",
                "last_source_client_id": source.id,
                "last_source_system": "field-app",
                "last_source_date": fields.Datetime.now(),
            }
        )
        cls.env.flush_all()

    def setUp(self):
        super().setUp()
        self.headers = self._auth(self.client, self.secret)

    def _both_ways(self, partners, visible):
        self.env.invalidate_all()
        Individual.prefetch(partners)
        visible.fetch(["uuid"])  # as ``registry_service.visible_groups`` reads them
        generic = [assembled(Individual).from_record(p, visible).model_dump_json() for p in partners]
        return generic, [to_json(values) for values in registrant_values.individual_values(partners, visible)]

    def _both_ways_groups(self, groups, visible):
        self.env.invalidate_all()
        Group.prefetch(groups)
        visible.fetch(["uuid", "name"])  # as ``registry_service.visible_members`` reads them
        generic = [assembled(Group).from_record(group, visible).model_dump_json() for group in groups]
        return generic, [to_json(values) for values in registrant_values.group_values(groups, visible)]

    def test_values_are_the_wire_models_byte_for_byte(self):
        with without_test_extensions():
            self.assertTrue(is_plain())
            people = self.people.with_context(active_test=False)
            groups = self.groups.with_context(active_test=False)
            for visible in (groups[0] | groups[2], groups, groups.browse()):
                generic, values = self._both_ways(people, visible)
                self.assertEqual(values, generic)
        self.assertIn("Ngozi 🙂", "".join(values), "non-ASCII sent as itself")
        self.assertIn('"updated_from":"field-app"', "".join(values))
        self.assertIn('"archive_reason":"Moved abroad"', "".join(values))
        self.assertIn('"gender":null', "".join(values))

    def test_group_values_are_the_wire_models_byte_for_byte(self):
        with without_test_extensions():
            groups = self.groups.with_context(active_test=False)
            for visible in (self.people[::2], self.people, self.people.browse()):
                generic, values = self._both_ways_groups(groups, visible)
                self.assertEqual(values, generic)
        self.assertIn('"name":"Foyer «2»"', "".join(values))

    def test_a_value_not_loaded_is_no_guess(self):
        self.env.invalidate_all()
        with self.assertRaises(CacheMiss):
            registrant_values.individual_values(self.people, self.groups.browse())

    def _answers(self, api):
        nids = [p.reg_id_ids.filtered(lambda r: r.value.startswith("88")).value for p in self.people]
        lookup = api.post(
            "/api/v2/Individual/$lookup",
            json={"identifiers": [{"system": NID, "value": v} for v in [*nids, "000000000"]]},
            headers=self.headers,
        )
        read = api.get(f"/api/v2/Individual/{self.people[0].uuid}", headers=self.headers)
        page = api.get(f"/api/v2/Individual?identifier={NID}|{nids[1]}", headers=self.headers)
        group_lookup = api.post(
            "/api/v2/Group/$lookup",
            json={"identifiers": [{"system": HOUSEHOLD, "value": v} for v in ("HH-880", "HH-882", "HH-889")]},
            headers=self.headers,
        )
        group_read = api.get(f"/api/v2/Group/{self.groups[2].uuid}", headers=self.headers)
        group_page = api.get(f"/api/v2/Group?identifier={HOUSEHOLD}|HH-880", headers=self.headers)
        answers = (lookup, read, page, group_lookup, group_read, group_page)
        return [(r.status_code, r.content, r.headers.get("ETag"), r.headers.get("Link")) for r in answers]

    def test_routes_answer_the_same_bytes_and_queries_both_ways(self):
        """$lookup, GET and a page of each resource, built from values and by the wire models, the client
        not allowed to read one household (no consent): left out of its members' ``groups`` alike."""
        Client = type(self.env["g2p.api.client"])
        readable = Client._readable_registrant_domain
        hidden = self.groups[0]

        def without_hidden(client, scope):
            return readable(client, scope) + [("id", "!=", hidden.id)]

        routers = "odoo.addons.g2p_partner_api.routers"
        with without_test_extensions(), patch.object(Client, "_readable_registrant_domain", without_hidden):
            with self._api() as api:
                self._answers(api)  # the worker's caches (tokens, reference data) warmed, as for both ways below
            with (
                patch(f"{routers}.individual.individual_values", wraps=registrant_values.individual_values) as people,
                patch(f"{routers}.group.group_values", wraps=registrant_values.group_values) as groups,
                self._api() as api,
            ):
                fast, fast_queries = queries_of(self.env, lambda: self._answers(api))
            self.assertEqual((people.call_count, groups.call_count), (3, 3), "built from values")
            with (
                patch(f"{routers}.individual.is_plain", return_value=False),
                patch(f"{routers}.group.is_plain", return_value=False),
                patch(f"{routers}.lookup.is_plain", return_value=False),
                self._api() as api,
            ):
                generic, generic_queries = queries_of(self.env, lambda: self._answers(api))
        self.assertEqual([answer[0] for answer in fast], [200] * 6)
        self.assertEqual(fast, generic)
        self.assertEqual(fast_queries, generic_queries)
        self.assertNotIn(hidden.uuid.encode(), fast[0][1], "a household the client may not read is left out")
        self.assertIn(self.groups[2].uuid.encode(), fast[0][1])

    def test_an_extension_is_rendered_by_the_wire_models(self):
        # the tests' registry holds test_schema_extension's IndividualWithPhone
        self.assertFalse(is_plain())
        self.people[1].phone = "+265 999 000 222"
        with self._api() as api:
            answer = self._answers(api)
        items = json.loads(answer[0][1])["items"]
        self.assertEqual(items[1]["individual"]["phone"], "+265 999 000 222")
        self.assertIn(b'"phone"', answer[1][1])

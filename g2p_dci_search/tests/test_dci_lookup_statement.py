from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.query_log import logged_queries

from ..services import dci_default_records, dci_spec
from ..services.dci_query import SCOPE, DciQuery
from ..services.dci_search import registrants_by_identifier
from .common import DciCase, DciRulesCase


@tagged("post_install", "-at_install")
class TestDciLookupStatement(DciRulesCase):
    """The idtype-value lookups of an envelope are one statement (``dci_search.registrants_by_identifier``),
    built from the ``_search`` of res.partner and g2p.reg.id: for every value it finds the registrant the
    per-item search of ``reg_id_ids any [...]`` finds, under each rule (another company, consent
    withdrawn, no consent, archived), and nothing for an identifier of another type or an unknown value.
    The same statement reads what the default records show of the registrants found: they are built
    without another query on either table, and are those the ORM's own reads build."""

    PEOPLE = (3, "Lookupstatement", "6710", "6720")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passport = cls.env.ref("g2p_partner_api.id_type_passport")
        cls.national_ids = [f"67100{i:03d}" for i in range(3)] + [f"67200{i:03d}" for i in range(4)]
        if "g2p.consent" in cls.env:
            # a passport whose number is also a national id's: looked up as a national id, it names no one
            cls.shown[0].reg_id_ids = [(0, 0, {"id_type_id": cls.passport.id, "value": "67200000"})]
            cls.shown[1].reg_id_ids = [(0, 0, {"id_type_id": cls.passport.id, "value": "P-6711"})]

    def _per_item(self, env, register, dci_type, value):
        """What the search of one idtype-value item finds (the per-item ORM path)."""
        client = self.client.with_env(env)
        domain = (
            register._base_domain()
            + DciQuery(register, client).idtype_value_domain(dci_type, value)
            + client._readable_registrant_domain(SCOPE)
        )
        return env["res.partner"].search(domain)

    def test_same_registrants_as_the_per_item_search(self):
        env = self._api_env()
        client = self.client.with_env(env)
        register = env.ref("g2p_dci_search.register_individual")
        national_id, passport = register._mapped_id_type("NationalID"), register._mapped_id_type("Passport")
        wanted = {
            (register, national_id): {*self.national_ids, "67100999", "P-6711"},  # unknown; another type's
            (register, passport): {"67200000", "P-6711", "67100000"},
        }
        with logged_queries(env) as queries:
            found = registrants_by_identifier(env, client, wanted)
        # the others fill the ORM cache (register, client, company), as the rest of a call would
        lookups = [statement for statement in queries.statements if '"g2p_reg_id"' in statement]
        self.assertEqual(len(lookups), 1, f"every lookup of the envelope in one statement:\n{queries}")
        self.assertTrue(lookups[0].startswith("(SELECT 0,"), lookups[0])  # of a UNION ALL; both id types found below
        for (_register, id_type), values in wanted.items():
            dci_type = "NationalID" if id_type == national_id else "Passport"
            for value in sorted(values):
                expected = self._per_item(env, register, dci_type, value)
                self.assertLessEqual(len(expected), 1)
                self.assertEqual(found[register, id_type].get(value), expected.id or None, f"{dci_type} {value}")
        self.assertEqual(
            found[register, national_id], {f"67100{i:03d}": person.id for i, person in enumerate(self.shown)}
        )
        self.assertEqual(found[register, passport], {"P-6711": self.shown[1].id, "67200000": self.shown[0].id})
        # the rules are what hides them: the identifiers are there
        held = env["g2p.reg.id"].sudo().with_context(active_test=False).search([("value", "in", self.national_ids)])
        self.assertEqual(held.partner_id, self.shown | self.hidden)
        self._records_from_the_statement(env, client, wanted, found)

    def _records_from_the_statement(self, env, client, wanted, found):
        """The default records of the registrants ``found`` by ``registrants_by_identifier(env, client, wanted)``
        built from what its statement put in the ORM cache: no other read, and the records the ORM's own
        reads build."""
        register = next(iter(wanted))[0]
        partners = env["res.partner"].browse(sorted({i for by_value in found.values() for i in by_value.values()}))
        self.assertEqual(partners, self.shown)
        names, record_type = register._dci_id_type_names(), register.reg_record_type

        def records():
            dci_default_records.prefetch(partners)
            return dci_default_records.individual_records(partners, names, record_type)

        env.invalidate_all()
        from_orm = records()  # read by the ORM (and the worker's caches of rules and reference data filled)
        env.invalidate_all()
        registrants_by_identifier(env, client, wanted)
        statements = env.cr.sql_log_count
        from_statement = records()
        self.assertEqual(env.cr.sql_log_count, statements, "built from the cache: no query")
        self.assertEqual(from_statement, from_orm)
        values = [[i["identifier_value"] for i in record["identifier"]] for record in from_statement.values()]
        # every identifier of each, in the one2many's order (id type name, value): not only those looked up
        self.assertEqual(values, [["67100000", "67200000"], ["67100001", "P-6711"], ["67100002"]])

    def test_a_consent_given_or_withdrawn_shows_at_once(self):
        env = self._api_env()
        client = self.client.with_env(env)
        register = env.ref("g2p_dci_search.register_individual")
        key = (register, register._mapped_id_type("NationalID"))
        never = self.hidden[3]
        self.assertNotIn("67200003", registrants_by_identifier(env, client, {key: {"67200003"}})[key])
        self.grant_consent(never)
        self.assertEqual(registrants_by_identifier(env, client, {key: {"67200003"}})[key], {"67200003": never.id})
        self.env["g2p.consent"].search([("partner_id", "=", never.id)]).action_withdraw()
        self.assertEqual(registrants_by_identifier(env, client, {key: {"67200003"}})[key], {})
        self.assertEqual(registrants_by_identifier(env, client, {}), {})

    def test_envelope_through_the_route(self):
        """Duplicate values in one envelope each name the registrant; hidden ones answer as unknown ones."""
        values = [*self.national_ids, "67100001", "67100999"]
        items = [self.item("idtype-value", {"type": "NationalID", "value": value}) for value in values]
        items.append(self.item("idtype-value", {"type": "Passport", "value": "P-6711"}))
        transactions = self.env["g2p.dci.transaction"].search_count([])
        answers = self.search(self.envelope(items)).json()["message"]["search_response"]
        self.assertEqual([answer["status"] for answer in answers], ["succ"] * len(items), answers)
        totals = [answer["pagination"]["total_count"] for answer in answers]
        self.assertEqual(totals, [1, 1, 1, 0, 0, 0, 0, 1, 0, 1])
        names = [[r["name"]["given_name"] for r in answer["data"]["reg_records"]] for answer in answers]
        self.assertEqual(names[:3] + names[7:], [["Shown00"], ["Shown01"], ["Shown02"], ["Shown01"], [], ["Shown01"]])
        self.assertEqual(self.env["g2p.dci.transaction"].search_count([]), transactions + 1)


@tagged("post_install", "-at_install")
class TestDciSpecPreloaded(DciCase):
    """The SPDCI schemas are read and compiled when the registry loads (before ``--workers`` fork), not at
    a worker's first DCI call."""

    def test_register_hook_compiles_every_checked_schema(self):
        dci_spec._spec.cache_clear()
        dci_spec.compiled.cache_clear()
        self.env["g2p.dci.register"]._register_hook()
        self.assertEqual(dci_spec._spec.cache_info().currsize, 1)
        preloaded = dci_spec.compiled.cache_info()
        # what a search envelope is checked against: header, message, signature, each item
        for pointer in (dci_spec.HEADER, "/components/schemas/SearchRequest", "/components/schemas/MsgSignature"):
            dci_spec.compiled(pointer)
        dci_spec.item_errors("search", [self.item("idtype-value", {"type": "UIN", "value": "1"})])
        dci_spec.item_errors("subscribe", [{}])
        self.assertEqual(dci_spec.compiled.cache_info().misses, preloaded.misses, "nothing compiled at the call")

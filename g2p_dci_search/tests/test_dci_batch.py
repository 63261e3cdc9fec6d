from odoo.tests import tagged

from ..services.dci_search import search_item
from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciBatchLookups(DciCase):
    """idtype-value entries of an envelope are resolved together; every answer stays its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.people = cls._people(40, "Batch", "Lookup", "6610")
        cls.household = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "is_group": True,
                "is_company": True,
                "name": "Batch household",
                "reg_id_ids": [
                    (0, 0, {"id_type_id": cls.env.ref("g2p_partner_api.id_type_household_id").id, "value": "BHH-661"})
                ],
                "group_member_ids": [(0, 0, {"individual_id": cls.people[0].id})],
            }
        )

    def _lookup(self, value, **criteria):
        return self.item("idtype-value", {"type": "UIN", "value": value}, **criteria)

    def _post(self, api, headers, items):
        response = api.post("/dci/registry/sync/search", json=self.envelope(items), headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["message"]["search_response"]

    def test_mixed_batch_answers_each_item_in_order(self):
        items = [
            self._lookup("66100003", reference_id="a"),
            self._lookup("99999999", reference_id="b"),  # no such identifier
            self._lookup("66100001", reference_id="c", pagination={"page_size": 5, "page_number": 2}),
            self.item("idtype-value", {"type": "Passport-of-nowhere", "value": "1"}, reference_id="d"),
            self.item(
                "expression",
                {"family_name": "Lookup", "birth_date": {"$gte": "1980-01-01"}},
                reference_id="e",
                pagination={"page_size": 3},
                sort=[{"attribute_name": "given_name", "sort_order": "desc"}],
            ),
            self._lookup("66100003", reference_id="f"),  # the same person twice
            self.item(
                "idtype-value",
                {"type": "urn:g2p:id:household-id", "value": "BHH-661"},
                reference_id="g",
                reg_type="Household",
            ),
            self._lookup("66100007", reference_id="h", pagination={"page_size": 0}),
            self.item("idtype-value", ["not", "an", "object"], reference_id="i"),
        ]
        with self._api() as api:
            answers = self._post(api, self._auth(self.client, self.secret), items)
        self.assertEqual([a["reference_id"] for a in answers], list("abcdefghi"))
        self.assertEqual(
            [a["status"] for a in answers], ["succ", "succ", "succ", "rjct", "succ", "succ", "succ", "rjct", "rjct"]
        )
        names = [
            [r["name"]["given_name"] for r in a["data"]["reg_records"]]
            if a["status"] == "succ" and a["data"]["reg_type"] == "Individual"
            else None
            for a in answers
        ]
        self.assertEqual(names[:3], [["Batch03"], [], []])
        self.assertEqual([answers[i]["pagination"]["total_count"] for i in (0, 1, 2, 4)], [1, 0, 1, 40])
        self.assertEqual(names[4], ["Batch39", "Batch38", "Batch37"])
        self.assertEqual(answers[5]["data"], answers[0]["data"])
        self.assertEqual(
            answers[6]["data"]["reg_records"][0]["additional_attributes"], [{"group_name": "Batch household"}]
        )
        self.assertEqual(answers[3]["status_reason_code"], "rjct.search_criteria.invalid")
        self.assertEqual(answers[7]["status_reason_code"], "rjct.pagination.invalid")
        # item by item, the same answers (timestamps apart; the last one is refused before, off the spec)
        for item, answer in zip(items[:-1], answers[:-1], strict=True):
            alone = search_item(self.env(user=self.endpoint.user_id), self.client, item)
            self.assertEqual(
                {k: v for k, v in alone.items() if k != "timestamp"},
                {k: v for k, v in answer.items() if k != "timestamp"},
                item["reference_id"],
            )

    def test_transaction_records_each_answer(self):
        items = [
            self._lookup("66100003", reference_id="found", reg_type="Individual"),
            self._lookup("99999999", reference_id="unknown"),
            self._lookup("66100007", reference_id="bad-page", pagination={"page_size": 0}),
            self.item("idtype-value", ["not", "an", "object"], reference_id="off-spec"),
        ]
        with self._api() as api:
            answers = self._post(api, self._auth(self.client, self.secret), items)
        transaction = self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)], limit=1)
        self.assertEqual(
            (transaction.action, transaction.mode, transaction.status, transaction.total_count),
            ("search", "sync", "succ", 4),
        )
        self.assertEqual(transaction.completed_count, 2)
        self.assertEqual(
            [
                (line.reference_id, line.status, line.status_reason_code, line.reg_type, line.total_count)
                for line in transaction.item_ids
            ],
            [
                ("found", "succ", False, "Individual", 1),
                ("unknown", "succ", False, "Individual", 0),
                ("bad-page", "rjct", "rjct.pagination.invalid", "Individual", 0),
                ("off-spec", "rjct", "rjct.search_criteria.invalid", "Individual", 0),
            ],
        )
        # what the sender was told, kept for the registry's own review
        self.assertEqual(
            transaction.item_ids.mapped("status_reason_message"),
            [False, False, answers[2]["status_reason_message"], answers[3]["status_reason_message"]],
        )
        self.assertTrue(answers[3]["status_reason_message"].startswith("off the SPDCI schema"))

    def test_queries_do_not_grow_with_the_batch(self):
        headers = self._auth(self.client, self.secret)
        counts = []
        with self._api() as api:
            # the warm-up reads what the measured calls read, from the same cold record cache
            self.env.flush_all()
            self.env.invalidate_all()
            self._post(api, headers, [self._lookup("66100000")])
            for size in (5, 40):
                items = [self._lookup(f"6610{i:04d}" if i % 2 else f"7710{i:04d}") for i in range(size)]
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                answers = self._post(api, headers, items)
                self.env.flush_all()
                counts.append(self.cr.sql_log_count - before)
                self.assertEqual(sum(a["pagination"]["total_count"] for a in answers), size // 2)
        self.assertEqual(counts[0], counts[1], "40 lookups cost the queries of 5")

    def test_consent_applies_to_the_whole_set(self):
        if "g2p.consent" not in self.env:
            self.skipTest("g2p_api_consent is not installed")
        self.client.legal_basis_enabled = False
        self.env["g2p.consent"].create(
            [
                {
                    "partner_id": person.id,
                    "client_id": self.client.id,
                    "purpose_id": self.env.ref("g2p_api_consent.vocab_consent_purpose_eligibility_verification").id,
                    "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_dci_search").ids)],
                    "evidence_reference": "F-B",
                }
                for person in self.people[:2]
            ]
        )
        with self._api() as api:
            answers = self._post(
                api,
                self._auth(self.client, self.secret),
                [self._lookup(f"6610{i:04d}", reference_id=f"r{i}") for i in range(4)],
            )
        self.assertEqual([a["pagination"]["total_count"] for a in answers], [1, 1, 0, 0])
        self.assertEqual([len(a["data"]["reg_records"]) for a in answers], [1, 1, 0, 0])

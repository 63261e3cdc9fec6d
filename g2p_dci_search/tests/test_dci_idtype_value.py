from odoo.tests import tagged

from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciIdValueAsSent(DciCase):
    """An idtype-value search looks for the value sent: text, or a whole number as its digits. Any other JSON
    value is the item's rejection naming the value's key, never a search for its Python text that finds nobody
    (which the partner would read as "not registered")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._people(1, "Idval", "Zzidvalue", "9810")  # national id 98100000

    def _answers(self, queries):
        items = [self.item("idtype-value", query, reference_id=str(index)) for index, query in enumerate(queries)]
        response = self.search(self.envelope(items), validate=False)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["message"]["search_response"]

    def test_text_and_whole_numbers_find_the_registrant(self):
        sent = [
            {"id_type": "UIN", "id_value": "98100000"},
            {"id_type": "UIN", "id_value": 98100000},
            {"type": "UIN", "value": "98100000"},
        ]
        for query, answer in zip(sent, self._answers(sent), strict=True):
            self.assertEqual(answer["status"], "succ", (query, answer))
            self.assertEqual([r["name"]["given_name"] for r in answer["data"]["reg_records"]], ["Idval00"], query)

    def test_other_json_values_are_refused_naming_the_value(self):
        sent = [
            {"id_type": "UIN", "id_value": 98100000.0},
            {"id_type": "UIN", "id_value": True},
            {"id_type": "UIN", "id_value": ["98100000"]},
            {"id_type": "UIN", "id_value": {"v": "98100000"}},
            {"type": "UIN", "value": {"v": "98100000"}},
        ]
        answers = self._answers(sent)
        for query, answer in zip(sent, answers, strict=True):
            self.assertEqual(
                (answer["status"], answer["status_reason_code"]), ("rjct", "rjct.search_criteria.invalid"), query
            )
            self.assertNotIn("data", answer)
            key = "id_value" if "id_value" in query else "value"
            self.assertTrue(answer["status_reason_message"].startswith(f"{key}: "), answer)
        transaction = self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)], limit=1)
        self.assertEqual(set(transaction.item_ids.mapped("status")), {"rjct"})
        self.assertEqual(transaction.completed_count, 0)

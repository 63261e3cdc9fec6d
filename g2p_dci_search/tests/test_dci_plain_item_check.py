import copy
import itertools
import random

from odoo.tests import TransactionCase, tagged

from ..services import dci_spec

POINTER = dci_spec.item_pointer("search")
ABSENT = object()
# values of every JSON type, the spec's enum members and locales in each form ``spec_locale`` reads
VALUES = [
    ABSENT,
    None,
    "",
    "x",
    "eng",
    "en",
    "EN",
    "en-GB",
    "fre",
    "xx",
    "abc\n",
    "e1g",
    0,
    1,
    -3,
    1.0,
    2.5,
    True,
    False,
    {},
    {"a": 1},
    {"expression": {"collection": "Group", "query": {"$and": []}}},
    [],
    ["x"],
    [{"expression1": {"attribute_name": "a", "operator": "eq", "attribute_value": 1}}],
    [{"expression1": {"attribute_name": "a", "operator": "xx", "attribute_value": 1}}],
    [{"attribute_name": "name", "sort_order": "asc"}],
    "idtype-value",
    "expression",
    "predicate",
    "Group",
    "Member",
    {"page_size": 10},
    {"page_size": 10, "page_number": 2},
    {"page_size": "10"},
    {"page_number": 1},
    {"type": "NationalID", "value": "1"},
    {"type": "NationalID", "value": 1},
    {"type": 5, "value": "1"},
    {"id_type": "NationalID", "id_value": "1"},
]
# where a value is put (a path of keys from the item)
PATHS = [
    (),
    ("reference_id",),
    ("timestamp",),
    ("locale",),
    ("other",),
    ("search_criteria",),
    *(
        ("search_criteria", key)
        for key in (
            "version",
            "reg_type",
            "reg_record_type",
            "query_type",
            "response_entity",
            "query",
            "sort",
            "pagination",
            "consent",
            "authorize",
            "other",
        )
    ),
    ("search_criteria", "query", "type"),
    ("search_criteria", "query", "value"),
    ("search_criteria", "query", "locale"),
    ("search_criteria", "query", "value", "locale"),
    ("search_criteria", "pagination", "page_size"),
    ("search_criteria", "pagination", "page_number"),
    ("search_criteria", "pagination", "locale"),
]


def _bases():
    criteria = {"reg_type": "Individual", "query_type": "idtype-value", "query": {"type": "NationalID", "value": "1"}}
    item = {"reference_id": "r-1", "timestamp": "2026-12-07T02:00:00Z", "search_criteria": criteria}
    expression = {"type": "ns:org:QueryType:expression", "value": {"expression": {"query": {"$and": []}}}}
    return [
        item,  # the bench's form (row 1b)
        dict(item, locale="en"),
        dict(item, search_criteria=dict(criteria, query={"id_type": "NationalID", "id_value": "1"})),  # the seed's
        dict(item, search_criteria=dict(criteria, query_type="expression", query=expression, response_entity="Group")),
        dict(
            item,
            locale="eng",
            search_criteria=dict(
                criteria,
                version="1.0.0",
                reg_record_type="Person",
                pagination={"page_size": 10, "page_number": 1},
                consent={},
                authorize={},
            ),
        ),
    ]


def _put(item, path, value):
    """``item`` with ``value`` at ``path`` (removed when ABSENT); None when a hop of the path is no object."""
    if not path:
        return None if value is ABSENT else copy.deepcopy(value)
    item = copy.deepcopy(item)
    node = item
    for key in path[:-1]:
        if not isinstance(node, dict):
            return None
        node = node.setdefault(key, {})
    if not isinstance(node, dict):
        return None
    if value is ABSENT:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)
    return item


def _forms():
    """The bases, each with one value changed at every path, then 3,000 with two or three changed (seeded)."""
    forms = []
    for base in _bases():
        forms.append(base)
        forms += [_put(base, path, value) for path, value in itertools.product(PATHS, VALUES)]
    rng = random.Random(27)
    for _index in range(3000):
        form = rng.choice(_bases())
        for _change in range(rng.randint(2, 3)):
            form = _put(form, rng.choice(PATHS[1:]), rng.choice(VALUES)) if isinstance(form, dict) else form
        forms.append(form)
    return [form for form in forms if form is not None] + [None, "x", 5, [], True]


@tagged("post_install", "-at_install")
class TestDciPlainItemCheck(TransactionCase):
    """``dci_spec.plain_search_item``, the short check of a search item's common form, answers as the spec's full
    check (fastjsonschema, then jsonschema's wording): on every form below, valid and invalid, ``item_errors``
    gives the same verdict and the same words as the full check alone, and the short check never calls valid an
    item that jsonschema's own validator (with the locales as read) refuses."""

    def _full(self, item):
        messages = dci_spec._messages(POINTER, item, "search_request[0]")
        return {0: "off the SPDCI schema: " + "; ".join(messages)} if messages else {}

    def test_same_verdict_and_wording_as_the_spec(self):
        forms = _forms()
        validator = dci_spec.validator(POINTER)
        plain = valid = 0
        for item in forms:
            with self.subTest(item=item):
                self.assertEqual(dci_spec.item_errors("search", [item]), self._full(item))
                if dci_spec.plain_search_item(item):
                    plain += 1
                    self.assertTrue(validator.is_valid(dci_spec._with_spec_locales(item)))
                valid += not self._full(item)
        # the short check answers most valid forms (else it would test nothing), the full check the rest
        self.assertGreater(len(forms), 4000)
        self.assertGreater(plain, valid // 2)
        self.assertLess(plain, valid, "some valid forms (a sort, an integer value) are left to the full check")
        self.assertGreater(len(forms) - valid, 1000, "invalid forms")

    def test_the_bench_form_is_plain(self):
        # row 1b's item (a string value: the spec's oneOf of five types) and the seed's form take the short check
        for base in _bases():
            self.assertTrue(dci_spec.plain_search_item(base), base)
        self.assertFalse(dci_spec.plain_search_item(_put(_bases()[0], ("search_criteria", "query", "value"), 1)))
        self.assertEqual(
            dci_spec.item_errors("search", [_put(_bases()[0], ("locale",), "xx")]),
            {0: "off the SPDCI schema: search_request[0].locale: 'xx' does not match '^[a-z]{3,3}$'"},
        )

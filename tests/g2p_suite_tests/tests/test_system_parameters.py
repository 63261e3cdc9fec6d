"""The suite's system parameters hold what their readers can use: a value they could not is refused when it is set,
naming the parameter. Before, a rate limit or a body limit that was not a number broke every call that read it (HTTP
500), and a duplicate threshold of 1.5, a replica lag bound of " 10" or a duplicate check switch of "no" were replaced
by a default, clamped or read as "on" without a word."""

import json
import re
from pathlib import Path

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

ADDONS = ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search")
ROOT = Path(__file__).resolve().parents[3]

# a value its reader cannot use, for one parameter of each kind and of each addon
REFUSED = [
    ("g2p_partner_api.registry_tz", "Mars/Olympus_Mons"),
    ("g2p_partner_api.registry_tz", "africa/blantyre"),
    ("g2p_partner_api.replica_max_lag_seconds", "ten"),
    ("g2p_partner_api.replica_max_lag_seconds", " 10"),
    ("g2p_partner_api.replica_max_lag_seconds", "-1"),
    ("g2p_partner_api.rate_limit_per_minute", "600/min"),
    ("g2p_partner_api.max_body_bytes", "0"),
    ("g2p_partner_api.max_json_depth", "1e3"),
    ("g2p_partner_api.duplicate_name_threshold", "1.5"),
    ("g2p_partner_api.duplicate_name_threshold", "0,6"),
    ("g2p_partner_api.duplicate_same_locality", "maybe"),
    ("g2p_partner_api.signing_key_grace_hours", "-2"),
    ("g2p_partner_api.outbound_allowed_hosts", "payments.intranet:8443, ledger.intranet:99999"),
    ("g2p_partner_api.audit_forward_url", "ftp://audit.intranet/in"),
    ("g2p_partner_api.token_issuer", " urn:g2p:registry:mw"),
    ("g2p_partner_api.audit_retention_days", "0"),
    ("g2p_api_consent.max_backdate_days", "-1"),
    ("g2p_partner_ingest.signature_window_seconds", "600s"),
    ("g2p_partner_ingest.duplicate_check", "no "),
    ("g2p_partner_ingest.max_body_bytes", "16 MiB"),
    ("g2p_dci_search.max_body_bytes", "4194304.0"),
    ("g2p_dci_search.default_reg_type", ""),
    ("g2p_dci_search.max_active_subscriptions", "many"),
]
STORED = [
    ("g2p_partner_api.registry_tz", "Africa/Blantyre"),
    ("g2p_partner_api.replica_max_lag_seconds", "0"),
    ("g2p_partner_api.duplicate_name_threshold", "0.75"),
    ("g2p_partner_api.duplicate_same_locality", "Yes"),
    ("g2p_partner_api.signing_key_grace_hours", "1.5"),
    ("g2p_partner_api.outbound_allowed_hosts", "payments.intranet:8443, 10.20.0.0/16:443 [fd00::/8]:443"),
    ("g2p_partner_api.outbound_allowed_hosts", ""),
    ("g2p_partner_api.audit_forward_url", "https://audit.intranet/in"),
    ("g2p_partner_api.auth_failures_per_source", "0"),
    ("g2p_partner_ingest.duplicate_check", "false"),
    ("g2p_dci_search.default_reg_type", "Household"),
]


def parameters_read_by_the_suite():
    """Every ``g2p_*`` system parameter key the addons' code names: a ``*_PARAM = "..."`` constant or a key
    written in a ``get_param`` call."""
    keys = set()
    for addon in ADDONS:
        for path in (ROOT / addon).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            keys.update(re.findall(r'^\s*\w*_PARAM\w* = "(g2p_[\w.]+)"', text, re.MULTILINE))
            keys.update(re.findall(r'get_param\(\s*"(g2p_[\w.]+)"', text))
    return keys


@tagged("post_install", "-at_install")
class TestSuiteParametersCheckedWhenSet(HttpCase):
    def setUp(self):
        super().setUp()
        self.params = self.env["ir.config_parameter"]

    def test_every_parameter_the_suite_reads_has_a_rule(self):
        named = parameters_read_by_the_suite()
        self.assertIn("g2p_partner_ingest.duplicate_check", named, "the scan finds the addons' parameters")
        self.assertEqual(named - set(self.params._g2p_parameter_rules()), set())

    def test_a_value_its_reader_cannot_use_is_refused_and_nothing_changes(self):
        for key, value in REFUSED:
            with self.subTest(key=key, value=value):
                before = self.params.get_param(key)
                with self.assertRaises(ValidationError) as refused:
                    self.params.set_param(key, value)
                self.assertIn(key, str(refused.exception))
                self.assertEqual(self.params.get_param(key), before)

    def test_the_one_entry_of_an_allow_list_that_cannot_be_read_is_named(self):
        with self.assertRaises(ValidationError) as refused:
            self.params.set_param("g2p_partner_api.outbound_allowed_hosts", "payments.intranet:8443 ledger:99999")
        self.assertIn("'ledger:99999'", str(refused.exception))

    def test_values_the_readers_take_are_stored_as_sent(self):
        for key, value in STORED:
            with self.subTest(key=key, value=value):
                self.params.set_param(key, value)
                self.assertEqual(self.params.get_param(key), value or False)

    def test_a_switch_reads_as_it_was_set(self):
        check = self.env["g2p.change.request"]
        for value, on in (("0", False), ("no", False), ("False", False), ("1", True), ("yes", True), ("TRUE", True)):
            with self.subTest(value=value):
                self.params.set_param("g2p_partner_ingest.duplicate_check", value)
                self.assertIs(check._duplicate_check_enabled(), on)

    def test_the_installed_values_hold(self):
        rules = self.params._g2p_parameter_rules()
        installed = self.params.sudo().search([("key", "in", list(rules))])
        self.assertTrue(installed, "the addons' data set some of them")
        self.params._check_g2p_values([(param.key, param.value) for param in installed])

    def test_renaming_a_parameter_onto_a_suite_key_is_checked(self):
        other = self.params.create({"key": "integrator.depth", "value": "deep"})
        with self.assertRaises(ValidationError):
            other.write({"key": "g2p_partner_api.max_json_depth"})
        self.assertEqual(other.key, "integrator.depth")

    def test_an_administrator_in_the_web_client_is_refused_too(self):
        self.params.set_param("g2p_partner_api.rate_limit_per_minute", "600")
        param = self.params.search([("key", "=", "g2p_partner_api.rate_limit_per_minute")])
        self.authenticate("admin", "admin")
        for method, args in (
            ("write", [param.ids, {"value": "lots"}]),
            ("create", [{"key": "g2p_partner_api.max_json_depth", "value": "-5"}]),
        ):
            with self.subTest(method=method):
                response = self.url_open(
                    f"/web/dataset/call_kw/ir.config_parameter/{method}",
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {"model": "ir.config_parameter", "method": method, "args": args, "kwargs": {}},
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
                error = response.json()["error"]["data"]
                self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
                self.assertIn("g2p_partner_api.", error["message"])
        self.assertEqual(param.value, "600")
        self.assertFalse(self.params.search([("key", "=", "g2p_partner_api.max_json_depth"), ("value", "=", "-5")]))

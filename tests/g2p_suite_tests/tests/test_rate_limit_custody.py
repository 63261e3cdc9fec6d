"""A client's rate limit is what keeps one partner, or whoever holds its credential, from harvesting the register or
taking the others' capacity: the person who onboards partners may lower it or raise it up to the registry's ceiling,
and only a system administrator may switch it off (-1) or go past the ceiling, which is itself an administrator's
system parameter. The attacks go through the web client's JSON-RPC routes as an API Manager."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"
CEILING_PARAM = "g2p_partner_api.rate_limit_max_per_minute"


@tagged("post_install", "-at_install")
class TestRateLimitCustody(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(CEILING_PARAM, "6000")
        cls.partner = cls.env["g2p.api.client"].create({"name": "Harvest-prone partner", "rate_limit_per_minute": 300})
        cls.unlimited = cls.env["g2p.api.client"].create({"name": "Bulk partner", "rate_limit_per_minute": -1})
        cls._user("rl_api_manager", "g2p_partner_api.group_api_manager")
        cls._user("rl_admin", "base.group_system,g2p_partner_api.group_api_manager")

    def _state(self):
        self.env.invalidate_all()
        Client = self.env["g2p.api.client"].with_context(active_test=False)
        return (
            sorted(Client.search([]).mapped(lambda client: (client.name, client.rate_limit_per_minute))),
            self.env["ir.config_parameter"].get_param(CEILING_PARAM),
        )

    def test_api_manager_cannot_switch_a_rate_limit_off(self):
        self._as("rl_api_manager")
        before = self._state()
        attacks = [
            ("g2p.api.client", "write", [[self.partner.id], {"rate_limit_per_minute": -1}]),
            ("g2p.api.client", "write", [[self.partner.id], {"rate_limit_per_minute": 6001}]),
            ("g2p.api.client", "create", [{"name": "Scraper", "rate_limit_per_minute": -1}]),
            ("g2p.api.client", "create", [{"name": "Scraper", "rate_limit_per_minute": 10**9}]),
            # a copy of the unlimited client is a new client without a limit
            ("g2p.api.client", "copy", [[self.unlimited.id]], {"default": {"name": "Copy"}}),
            # the partner's limit raised through the ceiling instead
            ("ir.config_parameter", "set_param", [CEILING_PARAM, "100000000"]),
        ]
        for attack in attacks:
            with self.subTest(attack=attack[:2]), mute_logger("odoo.http"):
                result, error = self.call_kw(*attack)
                self.assertIsNone(result)
                self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_api_manager_sets_limits_within_the_ceiling(self):
        self._as("rl_api_manager")
        audit_before = self.env["g2p.api.audit.log"].search_count([("action", "=", "change rate_limit_per_minute")])
        partner = [self.partner.id]
        for limit in (6000, 12, 0):
            _result, error = self.call_kw("g2p.api.client", "write", [partner, {"rate_limit_per_minute": limit}])
            self.assertIsNone(error)
            self.assertEqual(self.partner.rate_limit_per_minute, limit)
        small = {"name": "Small partner", "rate_limit_per_minute": 60}
        _result, error = self.call_kw("g2p.api.client", "create", [small])
        self.assertIsNone(error)
        # a form saved with the limit an administrator gave is no change
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.unlimited.id], {"rate_limit_per_minute": -1, "note": "bulk partner"}]
        )
        self.assertIsNone(error)
        self.assertEqual(self.unlimited.note, "bulk partner")
        changed = [("action", "=", "change rate_limit_per_minute")]
        changes = self.env["g2p.api.audit.log"].search(changed, order="id")[audit_before:]
        self.assertEqual(
            [(row.old_value, row.new_value, row.actor) for row in changes],
            [("300", "6000", "rl_api_manager"), ("6000", "12", "rl_api_manager"), ("12", "0", "rl_api_manager")],
        )

    def test_administrator_sets_no_limit_and_the_ceiling(self):
        self._as("rl_admin")
        for args in (
            [[self.partner.id], {"rate_limit_per_minute": -1}],
            [[self.partner.id], {"rate_limit_per_minute": 50000}],
        ):
            _result, error = self.call_kw("g2p.api.client", "write", args)
            self.assertIsNone(error)
        self.assertEqual(self.partner.rate_limit_per_minute, 50000)
        _result, error = self.call_kw("ir.config_parameter", "set_param", [CEILING_PARAM, "60000"])
        self.assertIsNone(error)
        # then an API Manager may go up to the new ceiling
        self._as("rl_api_manager")
        _result, error = self.call_kw("g2p.api.client", "write", [[self.partner.id], {"rate_limit_per_minute": 60000}])
        self.assertIsNone(error)
        self.assertEqual(self.partner.rate_limit_per_minute, 60000)

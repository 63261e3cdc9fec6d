"""Followers, recipients and parent contacts name a contact: Odoo reads a linked contact's name (and a follower's
email) as the superuser, and lets every employee read followers and plain contacts. A registrant the caller may not
read (another company's; anyone's, for an employee without a registry role) is named by none of them. The calls go
through the web client's JSON-RPC routes and must be refused with nothing created, or answer as if it were not there."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .two_registries import registrant, second_registry, staff_users

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestChatterNamesNoHiddenRegistrant(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env.company
        cls.company_b = second_registry(env, "chatter")
        cls.bea = registrant(env, cls.company_b, "Bea", "Zzhiddenb", email="bea.zz@example.org")
        cls.ada = registrant(env, cls.company_a, "Ada", "Zzseena")
        cls.client = env["g2p.api.client"].create({"name": "Chatter partner"})
        a, b = cls.company_a, cls.company_b
        staff_users(
            cls, a, internal="ch_employee", viewer="ch_viewer_a", officer="ch_officer_a", api_manager="ch_manager_a"
        )
        staff_users(cls, b, officer="ch_officer_b", viewer="ch_viewer_b")

    def _counts(self):
        self.env.invalidate_all()
        return (
            self.env["mail.followers"].search_count([("partner_id", "=", self.bea.id)]),
            self.env["mail.message"].search_count([("partner_ids", "in", self.bea.ids)]),
            self.env["res.partner"].search_count([("parent_id", "=", self.bea.id)]),
        )

    def _refused(self, login, attacks):
        self._as(login)
        before = self._counts()
        for model, method, args, kwargs in attacks:
            with self.subTest(login=login, model=model, method=method), mute_logger("odoo.http"):
                result, error = self.call_kw(model, method, args, kwargs)
                self.assertIsNone(result)
                self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._counts(), before, "nothing names her")

    def test_a_hidden_registrant_is_made_no_follower_recipient_or_parent(self):
        self._refused(
            "ch_manager_a",
            [
                ("g2p.api.client", "message_subscribe", [[self.client.id]], {"partner_ids": [self.bea.id]}),
                (
                    "g2p.api.client",
                    "message_post",
                    [[self.client.id]],
                    {"body": "hello", "message_type": "comment", "partner_ids": [self.bea.id]},
                ),
            ],
        )
        self._refused(
            "ch_officer_a",
            [
                ("res.partner", "message_subscribe", [[self.ada.id]], {"partner_ids": [self.bea.id]}),
                ("res.partner", "create", [{"name": "Zzlink contact", "parent_id": self.bea.id}], {}),
            ],
        )
        # a registrant is nobody's parent, for the staff who read her too
        self._refused("ch_officer_b", [("res.partner", "create", [{"name": "Zzlink", "parent_id": self.bea.id}], {})])
        self._as("ch_officer_a")
        plain = self.env["res.partner"].create({"name": "Plain contact", "company_id": False})
        before = self._counts()
        for parent in (self.bea, self.ada):
            with mute_logger("odoo.http"):
                _result, error = self.call_kw("res.partner", "write", [[plain.id], {"parent_id": parent.id}])
            self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._counts(), before)
        self.assertFalse(plain.parent_id)

    def test_followers_name_a_registrant_to_the_staff_who_read_her_only(self):
        self.client.sudo().message_subscribe(partner_ids=self.bea.ids)
        follower_domain = [("res_model", "=", "g2p.api.client"), ("res_id", "=", self.client.id)]
        for login in ("ch_employee", "ch_viewer_a", "ch_manager_a"):
            self._as(login)
            found, error = self.call_kw(
                "mail.followers", "search_read", [follower_domain], {"fields": ["name", "email", "partner_id"]}
            )
            self.assertIsNone(error)
            self.assertNotIn("Zzhiddenb", str(found), login)
            self.assertNotIn("bea.zz@example.org", str(found), login)
            grouped, error = self.call_kw(
                "mail.followers", "read_group", [[("partner_id", "!=", False)], ["res_id"], ["partner_id"]], {}
            )
            self.assertIsNone(error)
            self.assertNotIn("Zzhiddenb", str(grouped), login)
        self._as("ch_viewer_b")
        found, error = self.call_kw("mail.followers", "search_read", [follower_domain], {"fields": ["partner_id"]})
        self.assertIsNone(error)
        self.assertIn(self.bea.id, [row["partner_id"][0] for row in found])

    def test_staff_still_follow_and_write_to_the_registrants_they_read(self):
        self._as("ch_officer_a")
        ada = [self.ada.id]
        _result, error = self.call_kw("res.partner", "message_subscribe", [ada], {"partner_ids": ada})
        self.assertIsNone(error)
        self.assertIn(self.ada, self.ada.message_partner_ids)

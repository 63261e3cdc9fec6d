"""Scopes are the registry's vocabulary of rights: tokens carry their codes, routes check fixed codes and consents
match scopes by code. An API Manager who swapped the codes of individual:read and membership:read made a consent
given for membership:read let the client read the person, with no row in the consent's history; deleting a scope
narrowed consents silently. Creating, changing and deleting scopes is now a system administrator's act, a code never
changes, and a scope a client or a consent names is not deleted. Each attack goes through the web client's JSON-RPC
route and must leave the database as it was."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"


@tagged("post_install", "-at_install")
class TestScopeCodes(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.individual_read = env.ref("g2p_partner_api.scope_individual_read")
        cls.membership_read = env.ref("g2p_partner_api.scope_membership_read")
        cls.unused = env["g2p.api.scope"].create({"code": "survey:read", "description": "Read surveys"})
        cls.client = env["g2p.api.client"].create(
            {"name": "Scoped partner", "scope_ids": [(6, 0, (cls.individual_read | cls.membership_read).ids)]}
        )
        cls.person = env["res.partner"].create(
            {"is_registrant": True, "given_name": "Consent", "family_name": "Narrow"}
        )
        cls.consent = env["g2p.consent"].create(
            {
                "partner_id": cls.person.id,
                "client_id": cls.client.id,
                "purpose_id": env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, cls.membership_read.ids)],
            }
        )
        cls._user("scope_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls.admin = cls._user("scope_admin", "base.group_user,base.group_system")

    def _readable(self):
        """Whether the client reads the person as individual:read (its consent is for membership:read)."""
        domain = [("id", "=", self.person.id)] + self.client._readable_registrant_domain("individual:read")
        return bool(self.env["res.partner"].search(domain))

    def _state(self):
        self.env.invalidate_all()
        Scope = self.env["g2p.api.scope"].with_context(active_test=False)
        return (
            sorted((scope.id, scope.code, scope.description) for scope in Scope.search([])),
            self.consent.scope_ids.mapped("code"),
            sorted(self.client.scope_ids.mapped("code")),
            len(self.consent.history_ids),
            self._readable(),
        )

    def _refused(self, login, attacks, error=ACCESS_ERROR):
        self._as(login)
        before = self._state()
        self.assertFalse(before[-1], "the consent is for membership:read only")
        for method, args in attacks:
            with self.subTest(login=login, method=method, args=args), mute_logger("odoo.http"):
                result, refusal = self.call_kw("g2p.api.scope", method, args)
                self.assertIsNone(result)
                self.assertEqual(refusal, error)
        self.assertEqual(self._state(), before, "nothing changed")

    def test_api_manager_changes_no_scope(self):
        individual, membership = self.individual_read.id, self.membership_read.id
        self._refused(
            "scope_api_manager",
            [
                # the swap of the audit: a consent for membership:read then covers reading the person
                ("write", [[individual], {"code": "tmp:swap"}]),
                ("write", [[membership], {"code": "individual:read"}]),
                ("write", [[individual], {"code": "membership:read"}]),
                ("write", [[self.unused.id], {"description": "Read everything"}]),
                ("create", [{"code": "everything:read"}]),
                ("unlink", [[membership]]),
                ("unlink", [[self.unused.id]]),
            ],
        )

    def test_api_manager_still_gives_clients_scopes(self):
        self._as("scope_api_manager")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [self.client.ids, {"scope_ids": [(6, 0, self.individual_read.ids)]}]
        )
        self.assertIsNone(error)
        self.assertEqual(self.client.scope_ids, self.individual_read)

    def test_no_administrator_renames_a_code(self):
        self._refused(
            "scope_admin",
            [
                ("write", [[self.individual_read.id], {"code": "tmp:swap"}]),
                ("write", [[self.membership_read.id], {"code": "individual:read"}]),
                ("write", [[self.unused.id], {"code": "surveys:read"}]),
            ],
        )

    def test_a_scope_a_consent_or_client_names_is_not_deleted(self):
        self._refused(
            "scope_admin",
            [("unlink", [self.membership_read.ids]), ("unlink", [self.individual_read.ids])],
            error=USER_ERROR,
        )
        with self.assertRaisesRegex(UserError, "Scope membership:read cannot be deleted: API clients, consents"):
            self.membership_read.with_user(self.admin).unlink()

    def test_an_administrator_adds_and_describes_scopes(self):
        self._as("scope_admin")
        created, error = self.call_kw("g2p.api.scope", "create", [{"code": "survey:write"}])
        self.assertIsNone(error)
        self.assertEqual(self.env["g2p.api.scope"].browse(created).code, "survey:write")
        _result, error = self.call_kw(
            "g2p.api.scope", "write", [[self.unused.id], {"code": "survey:read", "description": "Surveys"}]
        )
        self.assertIsNone(error, "the code as it is: no change")
        self.assertEqual(self.unused.description, "Surveys")
        _result, error = self.call_kw("g2p.api.scope", "unlink", [[self.unused.id]])
        self.assertIsNone(error, "a scope nothing names")
        self.assertFalse(self.unused.exists())

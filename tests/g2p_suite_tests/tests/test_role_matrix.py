"""The role matrix of docs/security.md, enforced over the web client's own JSON-RPC routes.

Every public method of every suite model (``g2p.*`` and the registrant fields and methods the suite
adds to ``res.partner``) and every stored writable field is found in the registry, looked up in
``role_matrix.MATRIX`` and tried by a real user of each role through ``/web/dataset/call_kw``: what the
matrix allows must pass the access checks, anything else must be refused with an AccessError and leave
the database as it was. Each call runs in a savepoint rolled back afterwards, so one sample record per
model serves every call.
"""

import datetime

from odoo import models
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_api.services.suite_names import is_suite_model, is_suite_module
from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

from .role_matrix import MATRIX, METHOD_ARGS, ROLE_GROUPS, SAMPLES

MATRIX_FILE = "tests/g2p_suite_tests/tests/role_matrix.py"
SUITE_PACKAGE = "odoo.addons.g2p_"
MAIL_PACKAGE = "odoo.addons.mail."
# set by the ORM on every record: nobody writes them (the ORM ignores or refuses them)
ORM_FIELDS = set(models.MAGIC_COLUMNS) | {"display_name"}
ACCESS_ERROR = "odoo.exceptions.AccessError"
# models the unchanged-database check counts besides the record itself: what a method could add to
COUNTED_MODELS = ("queue.job", "g2p.api.delivery", "g2p.api.signing.key", "mail.message")


def matrix_models(env):
    """Every concrete ``g2p.*`` model, and ``res.partner`` (its registrant fields are the register)."""
    return sorted(name for name in env.registry if is_suite_model(name) and not env[name]._abstract) + ["res.partner"]


def writable_fields(model):
    """Stored fields the suite defines that a caller can put in create/write vals.

    ``readonly`` is not a reason to leave one out: it is a hint to the form, not a check. One2many
    fields are left out: what they write are rows of their own model, which the matrix places.
    """
    found = []
    for name, field in model._fields.items():
        if name in ORM_FIELDS or not field.store or field.type == "one2many":
            continue
        if field.compute and not field.inverse and field.readonly:
            continue
        if field.related and field.readonly:
            continue
        if any(module and is_suite_module(module) for module in field._modules or ()):
            found.append(name)
    return sorted(found)


def public_methods(model):
    """Methods of the suite that JSON-RPC lets any logged-in user call (the rule of
    ``odoo.service.model.get_public_method``: no leading underscore, not ``@api.private``).

    The ORM's own methods (create, write, unlink, read, ...) are left out, overridden or not: their
    rights are the matrix's read/unlink entries and its fields. So are mail's (message_post,
    message_subscribe, overridden to check the contacts they name: TestChatterNamesNoHiddenRegistrant).
    """
    cls = type(model)
    found = []
    for name in dir(cls):
        if name.startswith("_") or hasattr(models.BaseModel, name) or not callable(getattr(cls, name, None)):
            continue
        mro = cls.mro()
        if any(getattr(getattr(c, name, None), "_api_private", False) for c in mro):
            continue
        defining = [c for c in mro if name in vars(c)]
        if any(c.__module__.startswith(MAIL_PACKAGE) for c in defining):
            continue
        if any(c.__module__.startswith(SUITE_PACKAGE) for c in defining):
            found.append(name)
    return sorted(found)


def field_roles(model, entry):
    """{field: roles that may write it} for every writable field the matrix places on ``model``."""
    if isinstance(entry["fields"], dict):
        return entry["fields"]
    return dict.fromkeys(writable_fields(model), entry["fields"])


def unplaced(env):
    """Lines to add to (or remove from) the matrix so that it places exactly what the registry has."""
    lines = []
    for model_name in matrix_models(env):
        model = env[model_name]
        entry = MATRIX.get(model_name)
        if entry is None:
            lines.append(
                f'MATRIX["{model_name}"] = {{"read": ..., "unlink": ..., '
                f'"methods": {{{", ".join(f"{m!r}: ..." for m in public_methods(model))}}}, '
                f'"fields": {{{", ".join(f"{f!r}: ..." for f in writable_fields(model))}}}}}'
            )
            continue
        for kind, found in (("methods", public_methods(model)), ("fields", writable_fields(model))):
            placed = entry[kind]
            if not isinstance(placed, dict):  # one set of roles for every field, found ones included
                continue
            lines += [
                f'MATRIX["{model_name}"]["{kind}"]["{name}"] = <the roles that may '
                f"{'call' if kind == 'methods' else 'write'} it>"
                for name in found
                if name not in placed
            ]
            lines += [
                f'del MATRIX["{model_name}"]["{kind}"]["{name}"]  # no longer in the registry'
                for name in placed
                if name not in found
            ]
    lines += [f'del MATRIX["{name}"]  # no longer in the registry' for name in set(MATRIX) - set(matrix_models(env))]
    return lines


@tagged("post_install", "-at_install")
class TestRoleMatrix(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {role: cls._user(f"matrix_{role}", ",".join(groups)) for role, groups in ROLE_GROUPS.items()}
        cls.samples = {name: sample(cls.env) for name, sample in SAMPLES.items()}

    # --- helpers --------------------------------------------------------------------------------
    def _sample(self, model_name):
        sample = self.samples.get(model_name)
        self.assertTrue(sample, f"{MATRIX_FILE}: SAMPLES[{model_name!r}] found no record to try the matrix on")
        return sample

    def _snapshot(self, record):
        """What a refused call must leave as it was: the record's stored values and the rows it could add."""
        record = record.sudo().with_context(active_test=False)
        stored = [name for name, field in record._fields.items() if field.store and name not in ("write_date",)]
        values = record.read(stored)[0] if record.exists() else None
        counts = {
            name: self.env[name].sudo().with_context(active_test=False).search_count([]) for name in COUNTED_MODELS
        }
        counts[record._name] = record.search_count([])
        return values, counts

    def _in_savepoint(self, call):
        """``call()`` in a savepoint rolled back afterwards: every try starts from the same records."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT role_matrix")
        try:
            return call()
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT role_matrix")
            self.env.transaction.clear()

    def _json_value(self, record, name, value):
        field = record._fields[name]
        if field.type == "many2one":
            return value.id or False
        if field.type == "many2many":
            return [(6, 0, value.ids)]
        if field.type == "date":
            return value.isoformat() if value else False
        if field.type == "datetime":
            return value.strftime("%Y-%m-%d %H:%M:%S") if value else False
        return value

    def _new_value(self, record, name):
        """A value different from the record's that the ORM accepts (tried as superuser), else the same one:
        then the refusal is still checked, only the value is not new."""
        field = record._fields[name]
        current = record[name]
        safe_settings = record._safe_settings() if hasattr(record, "_safe_settings") else {}
        if name in safe_settings:
            # a guarded setting: the value that switches the safeguard off, whatever the record holds
            safe = safe_settings[name]
            if isinstance(safe, bool):
                return not safe
            safe = safe if isinstance(safe, frozenset) else {safe}
            return next(v for v, _label in field._description_selection(self.env) if v not in safe)
        candidates = {
            "boolean": lambda: not current,
            "char": lambda: f"{current or ''}1",
            "text": lambda: f"{current or ''} (matrix)",
            "html": lambda: f"{current or ''}<p>matrix</p>",
            "integer": lambda: (current or 0) + 1,
            "float": lambda: (current or 0) + 1.5,
            "monetary": lambda: (current or 0) + 1.5,
            "selection": lambda: next(
                (v for v, _label in field._description_selection(self.env) if v != current), current
            ),
            "date": lambda: (current or datetime.date(2020, 1, 1)) + datetime.timedelta(days=1),
            "datetime": lambda: (current or datetime.datetime(2020, 1, 1)) + datetime.timedelta(days=1),
            "many2one": lambda: self.env[field.comodel_name].search([("id", "!=", current.id)], limit=1) or current,
            "many2many": lambda: current,
        }
        new = candidates.get(field.type, lambda: current)()
        new_json = self._json_value(record, name, new)

        @mute_logger("odoo.tools.translate", "odoo.sql_db")
        def accepted():
            try:
                record.sudo().write({name: new_json})
                self.env.flush_all()
            except Exception:  # noqa: BLE001 - any refusal of the value (constraint, check) means: use the same one
                return False
            return True

        if new_json != self._json_value(record, name, current) and self._in_savepoint(accepted):
            return new_json
        return self._json_value(record, name, current)

    def _try(self, role, expected_roles, label, record, call):
        """``call()`` as ``role`` over JSON-RPC in a savepoint; asserts allowed or refused per the matrix."""
        refused = role not in expected_roles
        before = self._snapshot(record) if refused else None

        def attempt():
            with mute_logger("odoo.http", "odoo.sql_db"):
                _result, error = call()
            return error, self._snapshot(record) if refused else None

        error, after = self._in_savepoint(attempt)
        with self.subTest(role=role, call=label):
            if role in expected_roles:
                self.assertNotEqual(error, ACCESS_ERROR, f"{label}: {role} may, by the matrix, but was refused")
            else:
                self.assertEqual(error, ACCESS_ERROR, f"{label}: {role} may not, by the matrix, but got {error}")
                self.assertEqual(after, before, f"{label}: refused for {role}, yet the database changed")

    # --- the matrix is complete -----------------------------------------------------------------------
    def test_every_public_method_and_writable_field_is_placed(self):
        missing = unplaced(self.env)
        self.assertFalse(
            missing,
            f"The role matrix ({MATRIX_FILE}) must place every public method and writable field of the suite's "
            "models (and docs/security.md say who may use it). Add or remove:\n" + "\n".join(missing),
        )

    def test_the_matrix_finds_what_it_must_place(self):
        # the enumeration itself: a method or field the suite adds is found, the ORM's and mail's are not
        client = self.env["g2p.api.client"]
        self.assertIn("action_generate_secret", public_methods(client))
        self.assertNotIn("message_post", public_methods(client))
        self.assertNotIn("write", public_methods(client))
        self.assertIn("secret_hash", writable_fields(client))
        self.assertNotIn("message_follower_ids", writable_fields(client))
        partner = self.env["res.partner"]
        self.assertIn("is_registrant", writable_fields(partner))
        self.assertNotIn("email", writable_fields(partner))
        self.assertNotIn("init", public_methods(partner), "@api.private methods are not callable remotely")

    # --- each role against the matrix --------------------------------------------------------------------
    def _each_role_and_model(self):
        """(role, model name, its matrix entry, its sample record), logged in as that role; records only."""
        for role in ROLE_GROUPS:
            self._as(self.users[role].login)
            for model_name, entry in MATRIX.items():
                if not self.env[model_name]._transient:
                    yield role, model_name, entry, self._sample(model_name)

    def _rpc_try(self, role, roles, label, record, method, *args):
        self._try(role, roles, label, record, lambda: self.call_kw(record._name, method, [record.ids, *args]))

    def test_read_and_delete(self):
        for role, model_name, entry, record in self._each_role_and_model():
            self._rpc_try(role, entry["read"], f"{model_name}.read", record, "read", ["display_name"])
            self._rpc_try(role, entry["unlink"], f"{model_name}.unlink", record, "unlink")

    def test_public_methods(self):
        for role, model_name, entry, record in self._each_role_and_model():
            for method, roles in entry["methods"].items():
                args = METHOD_ARGS.get((model_name, method), [])
                self._rpc_try(role, roles, f"{model_name}.{method}", record, method, *args)

    def test_writable_fields(self):
        values = {
            (model_name, name): self._new_value(self._sample(model_name), name)
            for model_name, entry in MATRIX.items()
            if not self.env[model_name]._transient
            for name in field_roles(self.env[model_name], entry)
        }
        for role, model_name, entry, record in self._each_role_and_model():
            for name, roles in field_roles(record, entry).items():
                value = values[model_name, name]
                self._rpc_try(role, roles, f"{model_name}.{name} = {value!r}", record, "write", {name: value})

    def test_wizards(self):
        """Wizards (transient models) are rows of their own user: a role opens one (creates it, filling in
        every field the matrix lists) and presses its buttons; the others are refused when they open it."""
        for role in ROLE_GROUPS:
            self._as(self.users[role].login)
            for model_name, entry in MATRIX.items():
                if not self.env[model_name]._transient:
                    continue
                vals = self._sample(model_name)
                self.assertEqual(
                    sorted(vals),
                    sorted(entry["fields"]),
                    f"{MATRIX_FILE}: SAMPLES[{model_name!r}] gives a value to each field the matrix lists",
                )
                openers = frozenset.intersection(*entry["fields"].values())
                anchor = self._sample("g2p.change.request")
                self._try(
                    role,
                    openers,
                    f"{model_name}: open",
                    anchor,
                    lambda m=model_name, v=vals: self.call_kw(m, "create", [v]),
                )
                if role not in openers:
                    continue
                for method, roles in entry["methods"].items():

                    def open_and_press(m=model_name, v=vals, meth=method, r=role):
                        created, error = self.call_kw(m, "create", [v])
                        self.assertFalse(error, f"{m}: {r} may open it, by the matrix")
                        return self.call_kw(m, meth, [[created], *METHOD_ARGS.get((m, meth), [])])

                    self._try(role, roles, f"{model_name}.{method}", anchor, open_and_press)


@tagged("post_install", "-at_install")
class TestAuditAttacks(JsonRpcAttackMixin, HttpCase):
    """The attacks of the audit (issue #25) on the holes the matrix found, each through JSON-RPC as the
    role that would try it: refused, nothing changed; and the honest path of the same role still works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("attack_manager", "g2p_partner_api.group_api_manager")
        cls._user("attack_approver", "g2p_partner_api.group_registry_approver")
        cls._user("attack_officer", "g2p_partner_api.group_registry_officer")
        cls._user("attack_admin", "base.group_system")
        cls.client = cls.env["g2p.api.client"].create({"name": "Manager's own partner system"})
        cls.other_client = cls.env["g2p.api.client"].create({"name": "Another partner system"})
        cls.dci_subscription = SAMPLES["g2p.dci.subscription"](cls.env)
        cls.request = SAMPLES["g2p.change.request"](cls.env)
        program = SAMPLES["g2p.program"](cls.env)
        cls.membership = cls.env["g2p.program.membership"].search([("program_id", "=", program.id)], limit=1)

    def _values(self, record, names):
        record.invalidate_recordset()
        return record.sudo().read(names)[0]

    def test_employees_outside_the_registry_see_no_registrant(self):
        """Odoo lets every internal user read contacts: an employee without a registry role found registrants by name
        and read them by id. Now neither, for registrants only; registry staff and the API still read them."""
        Partner = self.env["res.partner"]
        person = Partner.create({"is_registrant": True, "given_name": "Hidden", "family_name": "Zzemployee"})
        contact = Partner.create({"name": "Zzemployee supplier"})
        self._user("attack_employee", "base.group_user")
        self._user("attack_viewer", "g2p_partner_api.group_registry_viewer")
        self._as("attack_employee")
        found, error = self.call_kw("res.partner", "search_read", [[("name", "ilike", "Zzemployee")], ["name"]])
        self.assertEqual((error, [row["id"] for row in found]), (None, contact.ids))
        found, error = self.call_kw("res.partner", "name_search", [], {"name": "Zzemployee"})
        self.assertEqual((error, [row[0] for row in found]), (None, contact.ids))
        with mute_logger("odoo.http"):
            _read, error = self.call_kw("res.partner", "read", [person.ids, ["name", "birthdate"]])
        self.assertEqual(error, ACCESS_ERROR)
        self._as("attack_viewer")
        found, error = self.call_kw("res.partner", "search_read", [[("name", "ilike", "Zzemployee")], ["name"]])
        self.assertEqual((error, sorted(row["id"] for row in found)), (None, sorted((person | contact).ids)))

    def test_officer_archives_a_registrant_and_deletes_it_not(self):
        """Odoo lets contact managers (Officers) delete contacts: a registrant deleted, or made a plain contact, would
        leave the register with its identifiers, memberships and consents, and partners holding a uuid nobody has.
        Refused to every role but administrators; the Officer archives it, and still deletes a plain contact."""
        Partner = self.env["res.partner"]
        person = Partner.create({"is_registrant": True, "given_name": "Kept", "family_name": "Zzregistered"})
        contact = Partner.create({"name": "Zz plain contact"})
        for login in ("attack_officer", "attack_approver", "attack_manager"):
            self._as(login)
            for method, args in (("unlink", [person.ids]), ("write", [person.ids, {"is_registrant": False}])):
                with self.subTest(login=login, method=method), mute_logger("odoo.http"):
                    _result, error = self.call_kw("res.partner", method, args)
                    self.assertEqual(error, ACCESS_ERROR)
            person.invalidate_recordset()
            self.assertEqual((person.exists(), person.is_registrant, person.active), (person, True, True))
        self._as("attack_officer")
        _result, error = self.call_kw("res.partner", "action_archive", [person.ids])
        self.assertIsNone(error)
        _result, error = self.call_kw("res.partner", "unlink", [contact.ids])
        self.assertIsNone(error, "a plain contact is still the contact managers' to delete")
        person.invalidate_recordset()
        self.assertEqual((person.active, bool(person.archived_at)), (False, True))
        self.assertFalse(contact.exists())
        self._user("attack_eraser", "base.group_system,base.group_partner_manager")
        self._as("attack_eraser")
        _result, error = self.call_kw("res.partner", "unlink", [person.ids])
        self.assertIsNone(error, "an erasure the law requires, or a record made by mistake")
        self.assertFalse(person.exists())

    def test_api_manager_cannot_let_a_client_read_without_consent(self):
        self._as("attack_manager")
        names = ["legal_basis_enabled", "legal_basis"]
        before = self._values(self.client, names)
        vals = {"legal_basis_enabled": True, "legal_basis": "Because I say so"}
        _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], vals])
        self.assertEqual(error, ACCESS_ERROR)
        self.assertEqual(self._values(self.client, names), before)
        count = self.env["g2p.api.client"].search_count([])
        _result, error = self.call_kw("g2p.api.client", "create", [dict(vals, name="Reads everyone")])
        self.assertEqual(error, ACCESS_ERROR, "nor by creating a client that reads under a legal basis")
        self.assertEqual(self.env["g2p.api.client"].search_count([]), count)
        # the honest path: the manager still edits the client, the administrator grants the legal basis
        _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], {"note": "Onboarded 2026"}])
        self.assertIsNone(error)
        self._as("attack_admin")
        _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], vals])
        self.assertIsNone(error)
        self.assertTrue(self._values(self.client, names)["legal_basis_enabled"])

    def test_api_manager_cannot_redirect_a_participants_dci_subscription(self):
        self._as("attack_manager")
        names = ["client_id", "filter_json", "register_id", "state"]
        before = self._values(self.dci_subscription, names)
        for vals in (
            {"client_id": self.other_client.id},  # another partner receives this participant's notifications
            {"filter_json": "{}"},  # or every registrant, not what the participant filtered
        ):
            _result, error = self.call_kw("g2p.dci.subscription", "write", [self.dci_subscription.ids, vals])
            self.assertEqual(error, ACCESS_ERROR, vals)
        self.assertEqual(self._values(self.dci_subscription, names), before)
        self._as("attack_officer")
        _result, error = self.call_kw("g2p.dci.subscription", "action_unsubscribe", [self.dci_subscription.ids])
        self.assertEqual(error, ACCESS_ERROR, "ending one is for API Managers")
        self.assertEqual(self._values(self.dci_subscription, names), before)
        # the honest path: the API Manager ends it
        self._as("attack_manager")
        _result, error = self.call_kw("g2p.dci.subscription", "action_unsubscribe", [self.dci_subscription.ids])
        self.assertIsNone(error)
        self.assertEqual(self._values(self.dci_subscription, ["state"])["state"], "unsubscribe")

    def test_approver_cannot_change_what_a_proposal_applies_then_approve_it(self):
        self._as("attack_approver")
        names = ["target", "state", "editor_ids", "last_editor_id", "proposed_values"]
        before = self._values(self.request, names)
        other = "group" if before["target"] == "individual" else "individual"
        _result, error = self.call_kw("g2p.change.request", "write", [self.request.ids, {"target": other}])
        self.assertEqual(error, ACCESS_ERROR, "the target is no edit the four-eyes rule would see")
        self.assertEqual(self._values(self.request, names), before)
        # the honest path: the approver, who neither submitted nor edited it, reviews it as it was proposed
        _result, error = self.call_button("g2p.change.request", "action_approve", self.request.ids)
        self.assertIsNone(error)
        self.assertIn(self._values(self.request, ["state"])["state"], ("approved", "applied"))

    def test_a_refused_reviewer_learns_nothing_from_a_blank_reason(self):
        # any argument reaches a public method over RPC: the right is checked before what was given
        self._as("attack_officer")
        names = ["state", "reason", "reviewer_id"]
        before = self._values(self.request, names)
        for reason in ("", "   ", None):
            _result, error = self.call_kw("g2p.change.request", "action_reject", [self.request.ids, reason])
            self.assertEqual(error, ACCESS_ERROR, repr(reason))
        self.assertEqual(self._values(self.request, names), before)
        self._as("attack_approver")
        _result, error = self.call_kw("g2p.change.request", "action_reject", [self.request.ids, " "])
        self.assertEqual(error, "odoo.exceptions.UserError", "the approver is told to give a reason")
        self.assertEqual(self._values(self.request, names), before)

    def test_officer_cannot_renumber_a_membership_partners_hold(self):
        self._as("attack_officer")
        before = self._values(self.membership, ["uuid"])
        new_uuid = "00000000-0000-4000-8000-00000000beef"
        _result, error = self.call_kw("g2p.program.membership", "write", [self.membership.ids, {"uuid": new_uuid}])
        self.assertEqual(error, "odoo.exceptions.UserError")
        self.assertEqual(self._values(self.membership, ["uuid"]), before)
        _result, error = self.call_kw("g2p.program.membership", "write", [self.membership.ids, {"exit_reason": "x"}])
        self.assertIsNone(error, "the rest of the membership stays the officer's to edit")

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.g2p_source_mixin import Provenance
from ..services.api_errors import DuplicateError


@tagged("post_install", "-at_install")
class TestRegistryModels(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.national_id = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.passport = cls.env.ref("g2p_partner_api.id_type_passport")
        cls.female = cls.env.ref("g2p_partner_api.vocab_gender_female")
        cls.head = cls.env.ref("g2p_partner_api.vocab_membership_kind_head")
        cls.child = cls.env.ref("g2p_partner_api.vocab_membership_kind_child")
        cls.person = cls.Partner.create(
            {
                "is_registrant": True,
                "given_name": "Amina",
                "family_name": "Banda",
                "birthdate": "1990-04-01",
                "gender_id": cls.female.id,
                "reg_id_ids": [(0, 0, {"id_type_id": cls.national_id.id, "value": "1234567"})],
            }
        )
        cls.household = cls.Partner.create({"is_registrant": True, "is_group": True, "name": "Banda household"})

    def test_individual_gets_uuid_and_composed_name(self):
        self.assertRegex(self.person.uuid, r"^[0-9a-f-]{36}$")
        self.assertEqual(self.person.name, "Amina Banda")
        self.person.write({"addl_name": "K."})
        self.assertEqual(self.person.name, "Amina K. Banda")

    def test_uuid_never_changes(self):
        original = self.person.uuid
        with self.assertRaises(UserError):
            self.person.write({"uuid": "11111111-1111-4111-8111-111111111111"})
        self.person.write({"uuid": original, "given_name": "Aminata"})
        self.assertEqual(self.person.uuid, original)
        copy = self.person.copy({"reg_id_ids": []})
        self.assertNotEqual(copy.uuid, original)

    def test_uuid_of_what_partners_hold_never_changes(self):
        """Programmes, memberships and subscriptions (g2p.uuid.mixin): a uuid at creation, none other after,
        whoever writes; a copy gets its own."""
        program = self.env["g2p.program"].create({"name": "Uuid cash transfer"})
        membership = self.env["g2p.program.membership"].create({"program_id": program.id, "partner_id": self.person.id})
        client = self.env["g2p.api.client"].create({"name": "Uuid partner"})
        subscription = self.env["g2p.api.subscription"].create(
            {
                "name": "Uuid events",
                "client_id": client.id,
                "target_url": "https://partner.example.org/hook",
                "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_individual_updated").ids)],
            }
        )
        for record in (program, membership, subscription):
            original = record.uuid
            self.assertRegex(original, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            with self.assertRaises(UserError), self.env.cr.savepoint():
                record.sudo().write({"uuid": "11111111-1111-4111-8111-111111111111"})
            record.invalidate_recordset()
            self.assertEqual(record.uuid, original, record._name)
            record.write({"uuid": original})  # the same value is no change
        self.assertNotEqual(program.copy().uuid, program.uuid)

    def test_uuid_unique_in_database(self):
        other = self.Partner.create({"is_registrant": True, "given_name": "Other"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE res_partner SET uuid = %s WHERE id = %s", (self.person.uuid, other.id))

    def test_duplicate_identifier_refused_and_nothing_written(self):
        before = self.Partner.search_count([("is_registrant", "=", True)])
        # a failed call rolls back its transaction: the savepoint stands for it
        with (
            self.assertRaisesRegex(DuplicateError, "urn:g2p:id:national-id\\|1234567 is already assigned"),
            self.env.cr.savepoint(),
        ):
            self.Partner.create(
                {
                    "is_registrant": True,
                    "given_name": "Copy",
                    "reg_id_ids": [(0, 0, {"id_type_id": self.national_id.id, "value": "1234567"})],
                }
            )
        self.assertEqual(self.Partner.search_count([("is_registrant", "=", True)]), before)
        # the same value under another identifier type is a different identifier
        other = self.Partner.create(
            {
                "is_registrant": True,
                "given_name": "Passport holder",
                "reg_id_ids": [(0, 0, {"id_type_id": self.passport.id, "value": "1234567"})],
            }
        )
        self.assertEqual(other.reg_id_ids._to_wire(), {"system": "urn:g2p:id:passport", "value": "1234567"})

    def test_identifier_format_checked(self):
        with self.assertRaisesRegex(ValidationError, "does not match the format"):
            self.env["g2p.reg.id"].create(
                {"partner_id": self.person.id, "id_type_id": self.national_id.id, "value": "AB"}
            )

    def test_unknown_vocabulary_code_and_system(self):
        Code = self.env["g2p.vocabulary.code"]
        self.assertEqual(Code._resolve("urn:g2p:vocab:gender", "female"), self.female)
        with self.assertRaisesRegex(ValidationError, "gender: unknown code 'x'"):
            Code._resolve("urn:g2p:vocab:gender", "x", field_label="gender")
        with self.assertRaisesRegex(ValidationError, "unknown identifier system"):
            self.env["g2p.id.type"]._resolve("urn:nowhere")
        with self.assertRaisesRegex(ValidationError, "Gender must be a code of the gender vocabulary"):
            self.person.gender_id = self.head

    def test_group_membership_rules(self):
        Membership = self.env["g2p.group.membership"]
        membership = Membership.create(
            {
                "group_id": self.household.id,
                "individual_id": self.person.id,
                "kind_ids": [(6, 0, self.head.ids)],
            }
        )
        self.assertEqual(self.household.group_member_ids, membership)
        self.assertEqual(self.person.group_membership_ids, membership)
        with self.assertRaisesRegex(ValidationError, "already a member"), self.env.cr.savepoint():
            Membership.create({"group_id": self.household.id, "individual_id": self.person.id})
        second = self.Partner.create({"is_registrant": True, "given_name": "Joseph"})
        with self.assertRaisesRegex(ValidationError, "already has a head"), self.env.cr.savepoint():
            Membership.create(
                {"group_id": self.household.id, "individual_id": second.id, "kind_ids": [(6, 0, self.head.ids)]}
            )
        with self.assertRaisesRegex(ValidationError, "is not a group"), self.env.cr.savepoint():
            Membership.create({"group_id": second.id, "individual_id": self.person.id})
        with self.assertRaisesRegex(ValidationError, "cannot end before it starts"), self.env.cr.savepoint():
            Membership.create(
                {
                    "group_id": self.household.id,
                    "individual_id": second.id,
                    "start_date": "2025-01-02",
                    "end_date": "2025-01-01",
                }
            )
        with self.assertRaisesRegex(ValidationError, "household role vocabulary"), self.env.cr.savepoint():
            Membership.create(
                {"group_id": self.household.id, "individual_id": second.id, "kind_ids": [(6, 0, self.female.ids)]}
            )
        # an individual may belong to several groups
        other_household = self.Partner.create({"is_registrant": True, "is_group": True, "name": "Other household"})
        Membership.create(
            {"group_id": other_household.id, "individual_id": self.person.id, "kind_ids": [(6, 0, self.child.ids)]}
        )
        self.assertEqual(len(self.person.group_membership_ids), 2)

    def test_program_membership_states(self):
        program = self.env["g2p.program"].create({"name": "Test grant", "target_type": "individual", "state": "active"})
        membership = self.env["g2p.program.membership"].create({"partner_id": self.person.id, "program_id": program.id})
        self.assertEqual(membership.state, "draft")
        membership.action_enroll()
        self.assertEqual(membership.state, "enrolled")
        enrolled_on = membership.enrollment_date
        self.assertTrue(enrolled_on)
        self.assertEqual(program.enrolled_count, 1)
        membership.action_pause()
        membership.action_enroll()
        self.assertEqual(membership.enrollment_date, enrolled_on, "resuming keeps the first enrolment date")
        membership.action_exit(reason="Moved away")
        self.assertEqual((membership.state, membership.exit_reason), ("exited", "Moved away"))
        with self.assertRaisesRegex(UserError, "cannot go from exited to enrolled"):
            membership.action_enroll()
        with self.assertRaisesRegex(ValidationError, "already has a membership"):
            self.env["g2p.program.membership"].create({"partner_id": self.person.id, "program_id": program.id})

    def test_program_target_type_and_ended_programme(self):
        group_program = self.env["g2p.program"].create(
            {"name": "Household grant", "target_type": "group", "state": "active"}
        )
        with self.assertRaisesRegex(ValidationError, "enrols groups only"):
            self.env["g2p.program.membership"].create({"partner_id": self.person.id, "program_id": group_program.id})
        membership = self.env["g2p.program.membership"].create(
            {"partner_id": self.household.id, "program_id": group_program.id}
        )
        group_program.action_end()
        with self.assertRaisesRegex(UserError, "has ended"):
            membership.action_enroll()

    def test_future_birthdate_refused(self):
        with self.assertRaisesRegex(ValidationError, "in the future"):
            self.person.birthdate = "2999-01-01"

    def test_provenance_stamped_from_api_context(self):
        client = self.env["g2p.api.client"].create({"name": "Census tool"})
        api_env = self.env(context=dict(self.env.context, g2p_provenance=Provenance(client.id, "census-2026")))
        person = api_env["res.partner"].create({"is_registrant": True, "given_name": "Ruth"})
        self.assertEqual((person.source_client_id, person.source_system), (client, "census-2026"))
        self.assertTrue(person.source_date)
        other = self.env["g2p.api.client"].create({"name": "ID system"})
        person.with_context(g2p_provenance=Provenance(other.id, "nid")).write({"family_name": "Phiri"})
        self.assertEqual(person.source_client_id, client, "creation provenance is kept")
        self.assertEqual((person.last_source_client_id, person.last_source_system), (other, "nid"))
        # a change made in the UI (no API context) leaves the API provenance as it was
        person.with_env(self.env).write({"given_name": "Rutendo"})
        self.assertEqual(person.last_source_client_id, other)

    def test_demo_registry_is_big_enough(self):
        registrants = self.Partner.search(
            [("is_registrant", "=", True), ("is_group", "=", False), ("uuid", "=like", "00000000-%")]
        )
        groups = self.Partner.search([("is_group", "=", True), ("uuid", "=like", "00000000-%")])
        self.assertGreaterEqual(len(registrants), 50)
        self.assertGreaterEqual(len(groups), 10)
        self.assertTrue(all(p.reg_id_ids for p in registrants | groups), "every demo registrant has an identifier")
        self.assertTrue(all(g.group_member_ids.kind_ids for g in groups))
        self.assertGreaterEqual(self.env["g2p.program"].search_count([("uuid", "=like", "00000000-%")]), 2)

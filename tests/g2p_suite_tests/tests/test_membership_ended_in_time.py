"""A membership given a later end date is ended from that day on, for every reader. ``is_ended`` was a
stored flag computed when the end date was written: a membership written to end tomorrow stayed not ended after
tomorrow, and its person was still counted and shown as a member (the group's member count and head, the REST
form of the individual's groups, the DCI household size, the change requests' view of the household)."""

import json
from contextlib import nullcontext
from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.g2p_dci_search.tests.common import DciCase
from odoo.addons.g2p_partner_api.services.registry_calendar import registry_today
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_api.tests.test_registrant_values import without_test_extensions

KIND = "urn:g2p:vocab:group-membership-kind"
NID = "urn:g2p:id:national-id"


class HeadLeavingTomorrow:
    """A household whose head leaves tomorrow (the end date written through the ORM, as the registry's writers
    write it: open until then, ended from that day, ``_open_domain``) and whose other member stays; ``later(days)``
    freezes the clock that many days on."""

    @classmethod
    def _household_whose_head_leaves_tomorrow(cls, family_name, id_prefix):
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        household_id = cls.env.ref("g2p_partner_api.id_type_household_id")
        head_kind = cls.env["g2p.vocabulary.code"]._resolve(KIND, "head", "kinds")
        Partner = cls.env["res.partner"]

        def person(given, number):
            identifier = Command.create({"id_type_id": nid.id, "value": f"{id_prefix}{number}"})
            return Partner.create(
                {"is_registrant": True, "given_name": given, "family_name": family_name, "reg_id_ids": [identifier]}
            )

        cls.leaver, cls.stayer = person("Leaver", 1), person("Stayer", 2)
        cls.household = Partner.create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": f"{family_name} household",
                "reg_id_ids": [Command.create({"id_type_id": household_id.id, "value": f"HH-{id_prefix}"})],
                "group_member_ids": [
                    Command.create({"individual_id": cls.leaver.id, "kind_ids": [Command.set(head_kind.ids)]}),
                    Command.create({"individual_id": cls.stayer.id}),
                ],
            }
        )
        cls.leaving = cls.household.group_member_ids.filtered(lambda m: m.individual_id == cls.leaver)
        cls.tomorrow = registry_today(cls.env) + timedelta(days=1)
        cls.household.write({"group_member_ids": [Command.update(cls.leaving.id, {"end_date": cls.tomorrow})]})

    def later(self, days):
        """The clock frozen ``days`` after today at noon (UTC, the registry's calendar here); the cache forgotten."""
        self.env.invalidate_all()
        return freeze_time(datetime.combine(registry_today(self.env) + timedelta(days=days), time(12, 0)))


@tagged("post_install", "-at_install")
class TestMembershipEndedOnceItsDayPassed(HeadLeavingTomorrow, G2PApiCase):
    """Each reader counts the head as a member today and no longer the day after its end date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Ended in time reader", scopes=["individual:read", "group:read"])
        cls._household_whose_head_leaves_tomorrow("Zzendedintime", "5630000")

    def test_open_until_its_end_date(self):
        with self.later(0):
            self.assertEqual((self.household.member_count, self.household.group_head_id), (2, self.leaver))
            self.assertFalse(self.leaving.is_ended)
            self.assertEqual(self._groups_read(self.leaver), [[self.household.uuid]] * 4)

    def test_the_group_counts_and_heads_without_it(self):
        with self.later(2):
            self.assertEqual(self.household.member_count, 1)
            self.assertFalse(self.household.group_head_id, "a former head is no longer shown as head")
            self.assertTrue(self.leaving.is_ended)
            Membership = self.env["g2p.group.membership"]
            mine = [("group_id", "=", self.household.id)]
            self.assertEqual(Membership.search([*mine, ("is_ended", "=", True)]), self.leaving)
            self.assertEqual(Membership.search([*mine, ("is_ended", "=", False)]).individual_id, self.stayer)
            self.assertEqual(Membership.search([*mine, ("is_ended", "!=", True)]).individual_id, self.stayer)
            with self.assertRaisesRegex(UserError, "searched as ended or not ended only"):
                Membership.search([*mine, ("is_ended", ">", 0)])

    def _groups_read(self, person):
        """The group uuids of ``person`` as REST reads them (a read and a page), by the wire models and by the
        values built from the cache."""
        read = []
        for schemas in (without_test_extensions, nullcontext):
            with schemas(), self._api() as api:
                headers = self._auth(self.client, self.secret)
                nid = person.reg_id_ids.value
                one = api.get(f"/api/v2/Individual/{person.uuid}", headers=headers)
                page = api.get(f"/api/v2/Individual?identifier={NID}|{nid}", headers=headers)
                self.assertEqual((one.status_code, page.status_code), (200, 200), one.text + page.text)
                (listed,) = page.json()["items"]
                read += [[g["group"] for g in answer["groups"]] for answer in (one.json(), listed)]
        return read

    def test_rest_shows_no_group_it_left(self):
        with self.later(2):
            self.assertEqual(self._groups_read(self.leaver), [[]] * 4)
            self.assertEqual(self._groups_read(self.stayer), [[self.household.uuid]] * 4)

    def _request(self, members):
        """An update of the household proposing ``members``, as the pipeline makes one (server code)."""
        return self.env["g2p.change.request"].create(
            {
                "operation": "update",
                "target": "group",
                "registrant_id": self.household.id,
                "proposed_values": json.dumps({"name": self.household.name, "members": members}),
            }
        )

    def _leaver_proposed(self, **vals):
        identifiers = [{"system": NID, "value": self.leaver.reg_id_ids.value}]
        return dict({"given_name": "Leaver", "family_name": "Zzendedintime", "identifiers": identifiers}, **vals)

    def test_a_change_request_compares_with_the_current_members(self):
        with self.later(2):
            snapshot = self.env["g2p.change.request"]._snapshot(self.household)
            self.assertEqual([m["given_name"] for m in snapshot["members"]], ["Stayer"])

    def test_the_former_head_named_head_again_is_a_head_change(self):
        with self.later(2):
            self.assertTrue(self._request([self._leaver_proposed(kinds=["head"])]).head_change)

    def test_the_former_member_proposed_again_is_an_existing_person(self):
        with self.later(2):
            request = self._request([self._leaver_proposed()])
            self.assertEqual([person for _i, _label, person in request._existing_people()], [self.leaver])

    def test_a_candidates_households_are_those_it_is_in(self):
        with self.later(2):
            line = self.env["g2p.change.request.duplicate"].create(
                {
                    "request_id": self._request([self._leaver_proposed()]).id,
                    "partner_id": self.leaver.id,
                    "kind": "existing_person",
                    "member_index": 0,
                }
            )
            self.assertFalse(line.candidate_households, "the household it left is not its household")


@tagged("post_install", "-at_install")
class TestDciHouseholdSizeAfterAnEnd(HeadLeavingTomorrow, DciCase):
    """The DCI household size counts the head today, not from its end date on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._household_whose_head_leaves_tomorrow("Zzdciendedintime", "5640000")

    def _size(self):
        item = self.item("idtype-value", {"type": "HouseholdID", "value": "HH-5640000"}, reg_type="Household")
        response = self.search(self.envelope([item]), validate=False)
        self.assertEqual(response.status_code, 200, response.text)
        (answer,) = response.json()["message"]["search_response"]
        (household,) = answer["data"]["reg_records"]
        return household["group_size"]

    def test_size_counts_current_members(self):
        for days, size in ((0, 2), (1, 1), (2, 1)):
            with self.subTest(days=days), self.later(days):
                self.assertEqual(self._size(), size)

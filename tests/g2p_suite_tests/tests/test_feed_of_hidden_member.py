"""The pull feed tells a membership change only to a client that reads the other side of it (ninth audit, audit13b:
``TestAudit13bChangeFeedTellsOfHiddenMembers``), as ``group.updated`` events do (``TestGroupEventOfHiddenMember``)."""

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.test_change_feed import ChangeFeedCase

KIND = "urn:g2p:vocab:group-membership-kind"


@tagged("post_install", "-at_install")
class TestChangeFeedOfHiddenMember(ChangeFeedCase):
    """A household H with its head (the partner reads both: consent), a person M and a household O the partner may
    not read (no consent for them). The partner pulls the change feed as a copy of the register does; a second
    client reads everyone (legal basis)."""

    def setUp(self):
        super().setUp()
        self.headers = self._committed_client(legal_basis=False)
        client_id = self.client_ids[-1]
        self.everyone = self._committed_client()
        with self._committed() as env:
            Partner = env["res.partner"]
            head, hidden = Partner.create(
                [
                    {"is_registrant": True, "given_name": given, "family_name": f"Zzfeedhm {self.tag}"}
                    for given in ("Ama", "Kofi")
                ]
            )
            head_kind = env["g2p.vocabulary.code"]._resolve(KIND, "head", "kinds")
            group = Partner.create(
                {
                    "is_registrant": True,
                    "is_group": True,
                    "name": f"Zzfeedhm household {self.tag}",
                    "group_member_ids": [
                        (0, 0, {"individual_id": head.id, "start_date": "2020-01-01", "kind_ids": head_kind.ids})
                    ],
                }
            )
            other_home = Partner.create(
                {"is_registrant": True, "is_group": True, "name": f"Zzfeedhm other household {self.tag}"}
            )
            self.partner_ids += (head | hidden | group | other_home).ids
            scopes = env.ref("g2p_partner_api.scope_group_read") | env.ref("g2p_partner_api.scope_individual_read")
            env["g2p.consent"].create(
                [
                    {
                        "partner_id": partner.id,
                        "client_id": client_id,
                        "purpose_id": env.ref("g2p_api_consent.vocab_consent_purpose_service_delivery").id,
                        "scope_ids": [(6, 0, scopes.ids)],
                        "evidence_reference": "F-FEEDHM",
                        "given_date": "2026-01-01",
                    }
                    for partner in (head | group)
                ]
            )
            self.ids = {"head": head.id, "hidden": hidden.id, "group": group.id, "other_home": other_home.id}
            self.uuids = {"head": head.uuid, "hidden": hidden.uuid, "group": group.uuid, "other": other_home.uuid}

    def _commit_membership(self, group, individual, group_vals=None):
        """What an Officer (or another partner with group:write) does: a membership, committed; ``group_vals``: a
        change of the group itself in the same transaction."""
        with self._committed() as env:
            env["g2p.group.membership"].create(
                {"group_id": self.ids[group], "individual_id": self.ids[individual], "start_date": "2026-12-01"}
            )
            if group_vals:
                env["res.partner"].browse(self.ids[group]).write(group_vals)

    def _positions(self, resource):
        """The partner's and the legal-basis client's positions at the end of the ``resource`` feed."""
        return [self._follow(headers, "0", resource)[1] for headers in (self.headers, self.everyone)]

    def _membership_count(self, group, individual):
        with self._committed() as env:
            return env["g2p.group.membership"].search_count(
                [("group_id", "=", self.ids[group]), ("individual_id", "=", self.ids[individual])]
            )

    def test_group_feed_is_silent_when_a_hidden_person_joins_the_household(self):
        since, since_everyone = self._positions("Group")

        self._commit_membership("group", "hidden")  # M, whom the partner may not read, joins H

        self.assertEqual(self._follow(self.headers, since, "Group")[0], [], "H does not come back for the partner")
        self.assertEqual(self._membership_count("group", "hidden"), 1, "the membership is recorded all the same")
        items = self._follow(self.everyone, since_everyone, "Group")[0]
        self.assertEqual(self._uuids(items), [self.uuids["group"]], "a client reading M is told H changed")

    def test_group_feed_is_silent_when_a_hidden_person_joins_through_the_household(self):
        """A write of the household's members alone (group_member_ids) is a change of memberships only too."""
        since, since_everyone = self._positions("Group")

        with self._committed() as env:
            env["res.partner"].browse(self.ids["group"]).write(
                {"group_member_ids": [(0, 0, {"individual_id": self.ids["hidden"], "start_date": "2026-12-01"})]}
            )

        self.assertEqual(self._follow(self.headers, since, "Group")[0], [])
        self.assertEqual(self._membership_count("group", "hidden"), 1)
        items = self._follow(self.everyone, since_everyone, "Group")[0]
        self.assertEqual(self._uuids(items), [self.uuids["group"]])

    def test_individual_feed_is_silent_when_a_person_joins_a_household_it_may_not_read(self):
        since, since_everyone = self._positions("Individual")

        self._commit_membership("other_home", "head")  # the head joins a household the partner may not read

        self.assertEqual(self._follow(self.headers, since)[0], [], "the head does not come back for the partner")
        self.assertEqual(self._membership_count("other_home", "head"), 1)
        items = self._follow(self.everyone, since_everyone)[0]
        self.assertEqual(self._uuids(items), [self.uuids["head"]], "a client reading O is told the head changed")

    def test_a_change_of_the_household_itself_with_it_is_told(self):
        since, _since_everyone = self._positions("Group")

        self._commit_membership("group", "hidden", {"name": f"Zzfeedhm household renamed {self.tag}"})

        items = self._follow(self.headers, since, "Group")[0]
        self.assertEqual(self._uuids(items), [self.uuids["group"]])
        self.assertNotIn(self.uuids["hidden"], str(items), "M is not named")

    def test_a_readable_member_leaving_the_household_is_told(self):
        since, _since_everyone = self._positions("Group")

        with self._committed() as env:  # the head, whom the partner reads, leaves H
            env["g2p.group.membership"].search([("group_id", "=", self.ids["group"])]).write(
                {"end_date": "2026-12-01", "end_reason": "moved out"}
            )

        items = self._follow(self.headers, since, "Group")[0]
        self.assertEqual(self._uuids(items), [self.uuids["group"]])

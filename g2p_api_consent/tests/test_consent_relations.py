from odoo import Command
from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_api.tests.test_registrant_relations import RelationsCompared


@tagged("post_install", "-at_install")
class TestConsentRelationsInOneStatement(RelationsCompared, G2PApiCase):
    """A group whose consent is withdrawn leaves an individual's ``groups`` and a group's members whose consent is
    withdrawn leave its ``members``, the relations read by one statement as by a query per relation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.person, cls.sibling = cls.env["res.partner"].create(
            [
                {
                    "is_registrant": True,
                    "given_name": name,
                    "family_name": "Zzrelation",
                    "reg_id_ids": [Command.create({"id_type_id": nid.id, "value": value})],
                }
                for name, value in (("Consenting", "772000001"), ("Sibling", "772000002"))
            ]
        )
        members = [Command.create({"individual_id": p.id}) for p in cls.person | cls.sibling]
        cls.household = cls.env["res.partner"].create(
            {"is_registrant": True, "is_group": True, "name": "Zzrelation home", "group_member_ids": members}
        )
        cls.client, cls.secret = cls._create_client(
            "Consented relations", scopes=["individual:read", "group:read"], legal_basis=None
        )
        readable = cls.env.ref("g2p_partner_api.scope_individual_read") | cls.env.ref(
            "g2p_partner_api.scope_group_read"
        )
        cls.consents = {
            partner: cls.env["g2p.consent"].create(
                {
                    "partner_id": partner.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                    "scope_ids": [Command.set(readable.ids)],
                    "evidence_reference": "FORM-R",
                }
            )
            for partner in cls.person | cls.sibling | cls.household
        }

    def test_withdrawn_consent_leaves_the_answer(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            (before, _one, _per) = self._reads(api, headers, self.person)
            (members_before, _one, _per) = self._reads(api, headers, self.household, kind="Group")
            self.consents[self.sibling].action_withdraw("Changed my mind")
            (members_after, _one, _per) = self._reads(api, headers, self.household, kind="Group")
            self.consents[self.household].action_withdraw("Changed our mind")
            (after, _one, _per) = self._reads(api, headers, self.person)
        self.assertEqual([g["group"] for g in before.json()["groups"]], [self.household.uuid])
        self.assertEqual(after.json()["groups"], [])
        members = [[m["individual"] for m in answer.json()["members"]] for answer in (members_before, members_after)]
        self.assertEqual(members, [[self.person.uuid, self.sibling.uuid], [self.person.uuid]])

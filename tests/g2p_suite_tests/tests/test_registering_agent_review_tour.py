from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.g2p_partner_ingest.tests.common import IngestCase


@tagged("post_install", "-at_install")
class TestRegisteringAgentReviewTour(IngestCase, HttpCase):
    """A registering agent registers a person through the mounted ingest app with the person's consent; a reviewer
    opens the change request, reads the consent on screen (recipient, scopes, evidence) and approves it."""

    def test_reviewer_reads_the_consent_then_approves(self):
        self.client.write(
            {"name": "Field registration agency", "legal_basis_enabled": False, "is_registering_agent": True}
        )
        person = self.person(nid="90004242", first="Chimwemwe", last="Zzagentconsent")
        consent = {"scopes": ["individual:read"], "evidence_reference": "PAPER-FORM-4242"}
        _data, rows = self.ingest(self.body({"person": person, "consent": consent}))
        request = rows.change_request_id
        self.assertEqual((request.state, request.operation), ("pending", "add"))
        new_test_user(
            self.env,
            "agent_reviewer",
            password="agent_reviewer_pw",
            groups="base.group_user,g2p_partner_api.group_registry_approver",
        )
        self.start_tour(
            f"/odoo/change-requests/{request.id}", "g2p_registering_agent_consent_review", login="agent_reviewer"
        )
        self.assertEqual((request.state, request.reviewer_id.login), ("applied", "agent_reviewer"))
        recorded = request.registrant_id.consent_ids
        self.assertEqual(
            (recorded.client_id, recorded.scope_ids.mapped("code"), recorded.evidence_reference),
            (self.client, ["individual:read"], "PAPER-FORM-4242"),
        )

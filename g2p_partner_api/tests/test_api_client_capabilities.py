from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestApiClientCapabilities(TransactionCase):
    def test_a_client_that_can_do_nothing_says_why(self):
        client = self.env["g2p.api.client"].create({"name": "Empty"})
        self.assertIn("no secret", client.blocked_reason)
        self.assertIn("no scope", client.blocked_reason)
        self.assertIn("every API call is refused", client.capabilities)
        client._generate_secret()
        client.scope_ids = self.env.ref("g2p_partner_api.scope_individual_read")
        self.assertFalse(client.blocked_reason)
        client.active = False
        self.assertEqual(client.blocked_reason, "it is archived")

    def test_the_form_says_what_a_client_can_do(self):
        program = self.env["g2p.program"].create({"name": "Cash <grant>"})
        client = self.env["g2p.api.client"].create(
            {
                "name": "Payments",
                "scope_ids": [(6, 0, self.env.ref("g2p_partner_api.scope_membership_read").ids)],
                "allowed_program_ids": [(6, 0, program.ids)],
            }
        )
        self.assertIn("membership:read (Read programme memberships)", client.capabilities)
        self.assertIn("only Cash &lt;grant&gt;", client.capabilities, "names are escaped")
        self.assertIn("no public key", client.capabilities)
        client.all_programs = True
        self.assertIn("all programmes", client.capabilities)

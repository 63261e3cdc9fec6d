"""The subscriptions list says what its colours mean, names events as people read them, and the secret button
says what it does (issue #28)."""

from lxml import etree

from odoo.tests import TransactionCase, tagged

from .common import partner_subscriptions


@tagged("post_install", "-at_install")
class TestSubscriptionList(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.env["g2p.api.client"].create({"name": "List partner"})
        cls.subscription, cls.archived = partner_subscriptions(
            cls.env,
            "g2p_partner_api.event_individual_updated",
            [("Listed hook", client, "list.example.org"), ("Old hook", client, "old.example.org")],
        )
        cls.archived.active = False

    def test_events_read_as_what_happened(self):
        event = self.env.ref("g2p_partner_api.event_individual_updated")
        self.assertEqual(event.display_name, "An individual changed")
        found = self.env["g2p.api.event.type"].name_search("individual.updated")
        self.assertIn(event.id, [row[0] for row in found], "still found by its code")

    def test_attention_column_says_why_a_row_is_coloured(self):
        self.assertEqual(self.archived.attention, "Archived: no events sent")
        self.assertEqual(self.subscription.signing, "hmac")
        self.assertEqual(self.subscription.attention, "No signing secret yet")
        self.subscription._generate_hmac_secret()
        self.subscription.invalidate_recordset(["has_hmac_secret", "attention"])  # as the next request reads it
        self.assertFalse(self.subscription.attention, "nothing to say: no colour")
        arch = etree.fromstring(self.env["g2p.api.subscription"].get_view(view_type="list")["arch"])
        self.assertEqual(arch.get("decoration-muted"), "not active")
        self.assertNotIn("decoration-danger", arch.attrib, "no red rows without a reason in words")
        self.assertTrue(arch.xpath("//field[@name='attention']"))

    def test_secret_button_says_rotate_once_a_secret_is_set(self):
        arch = etree.fromstring(self.env["g2p.api.subscription"].get_view(view_type="form")["arch"])
        secret_buttons = arch.xpath("//button[@name='action_generate_hmac_secret']")
        buttons = {b.get("string"): b.get("invisible") for b in secret_buttons}
        self.assertIn("has_hmac_secret", buttons["Generate signing secret"])
        self.assertIn("not has_hmac_secret", buttons["Rotate signing secret"])

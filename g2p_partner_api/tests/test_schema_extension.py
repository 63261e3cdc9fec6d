from odoo.tests import tagged

from ..schemas.individual import Individual
from .common import G2PApiCase


class IndividualWithPhone(Individual, extends=True):
    """What another addon does to add a field to the wire without forking the API."""

    phone: str | None = None

    @classmethod
    def orm_paths(cls):
        # what from_record reads more: loaded with the page, not one lazy query per record
        return (*super().orm_paths(), "phone")

    @classmethod
    def from_record(cls, partner, visible_groups):
        individual = super().from_record(partner, visible_groups)
        individual.phone = partner.phone or None
        return individual


@tagged("post_install", "-at_install")
class TestSchemaExtension(G2PApiCase):
    def test_extended_field_on_the_wire_and_in_openapi(self):
        client, secret = self._create_client("Extended reader", scopes=["individual:read"])
        person = self.env.ref("g2p_partner_api.demo_individual_05")
        person.phone = "+265 999 000 111"
        with self._api() as api:
            body = api.get(f"/api/v2/Individual/{person.uuid}", headers=self._auth(client, secret)).json()
            schema = api.get("/api/v2/openapi.json").json()
        self.assertEqual(body["phone"], "+265 999 000 111")
        self.assertIn("phone", schema["components"]["schemas"]["Individual"]["properties"])

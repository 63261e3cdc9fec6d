from . import test_partner_journey

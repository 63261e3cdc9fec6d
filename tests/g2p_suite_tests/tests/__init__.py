from . import test_partner_journey
from . import test_hardening

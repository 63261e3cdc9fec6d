from . import test_consent_api
from . import test_consent_trust

from . import test_consent_api

from . import test_consent_api
from . import test_consent_trust
from . import test_consent_query_count
from . import test_consent_names
from . import test_consent_recording
from . import test_legal_basis_guard
from . import test_consent_resend
from . import test_registering_agent

from . import test_dci_sync_search
from . import test_dci_consent
from . import test_dci_records
from . import test_dci_signatures
from . import test_dci_async
from . import test_dci_client_capabilities
from . import test_dci_participant
from . import test_dci_rate_limit

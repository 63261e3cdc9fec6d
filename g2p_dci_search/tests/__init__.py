from . import test_dci_sync_search
from . import test_dci_consent
from . import test_dci_async
from . import test_dci_batch

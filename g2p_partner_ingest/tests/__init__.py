from . import test_ingest_api
from . import test_change_request_tour
from . import test_change_request_review
from . import test_trust
from . import test_ingest_trust
from . import test_ingest_rate_limit
from . import test_ingest_dry_run
from . import test_ingest_raw_display

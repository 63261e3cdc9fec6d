from . import g2p_ingest_data_model
from . import g2p_ingest_detection_pattern
from . import g2p_ingest_raw
from . import g2p_change_request
from . import fastapi_endpoint
from . import g2p_api_subscription
from . import g2p_api_client
from . import g2p_change_request_duplicate

from . import g2p_consent
from . import g2p_consent_history
from . import g2p_api_disclosure
from . import res_partner
from . import g2p_api_client
from . import fastapi_endpoint
from . import g2p_api_scope
from . import ir_config_parameter

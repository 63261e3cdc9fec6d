from . import g2p_dci_register
from . import g2p_dci_register_field
from . import g2p_dci_id_type_map
from . import g2p_api_client
from . import fastapi_endpoint
from . import g2p_dci_transaction

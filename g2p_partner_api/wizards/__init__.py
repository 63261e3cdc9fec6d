from . import g2p_api_client_secret_wizard

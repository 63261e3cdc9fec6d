from . import g2p_change_request_reject_wizard

from . import g2p_change_request_reject_wizard
from . import g2p_change_request_edit_wizard
from . import g2p_change_request_edit_identifier
from . import g2p_ingest_file_upload_wizard

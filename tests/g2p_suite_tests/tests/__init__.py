from . import test_partner_journey
from . import test_hardening
from . import test_openapi_fuzz
from . import test_key_custody
from . import test_template_editors
from . import test_deployment_configs
from . import test_packaging
from . import test_audit_controls

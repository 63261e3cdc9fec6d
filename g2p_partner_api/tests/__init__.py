from . import test_registry_models
from . import test_security
from . import test_oauth
from . import test_http_mount

from . import test_registry_models
from . import test_security
from . import test_oauth
from . import test_http_mount
from . import test_rest_individual
from . import test_rest_group_program
from . import test_schema_extension
from . import test_outbound

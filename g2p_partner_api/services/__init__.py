from . import jwt_service
from . import templates
from . import jsonpath
from . import api_errors
from . import outbound_delivery
from . import url_guard
from . import shown_once
from . import pretty_json

from .ping import router as ping_router
from .health import router as health_router
from .oauth import router as oauth_router
from .individual import router as individual_router
from .group import router as group_router
from .group_members import router as group_members_router
from .program import router as program_router
from .program_membership import router as program_membership_router
from .code_lookup import router as code_lookup_router
from .subscription import router as subscription_router

# Every router of the REST app, in the order they appear in /docs. Other addons add theirs
# by overriding fastapi.endpoint._get_fastapi_routers.
REST_ROUTERS = [
    ping_router,
    health_router,
    oauth_router,
    individual_router,
    group_router,
    group_members_router,
    program_router,
    program_membership_router,
    code_lookup_router,
    subscription_router,
]

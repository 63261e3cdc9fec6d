from .ping import router as ping_router
from .oauth import router as oauth_router

# Every router of the REST app, in the order they appear in /docs; other modules of the
# suite (and the resource routers) append here.
REST_ROUTERS = [ping_router, oauth_router]

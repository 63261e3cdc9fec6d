import functools

from odoo import models
from odoo.http import request


def with_readonly(endpoint, readonly):
    """A copy of the routing map ``endpoint`` whose routing declares ``readonly``."""
    routed = functools.partial(endpoint.func, *endpoint.args, **endpoint.keywords)
    functools.update_wrapper(routed, endpoint.func)
    routed.routing = dict(endpoint.routing, readonly=readonly)
    return routed


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def _endpoint_routing_rules(self):
        # OCA fastapi stores its endpoints' routing as JSON, with readonly False: the suite's apps
        # get their read routing (a callable, services/read_routing.py) when the map is built.
        read_routings = self.env["fastapi.endpoint"].sudo()._g2p_read_routings()
        for url, endpoint in super()._endpoint_routing_rules():
            routing = getattr(endpoint, "routing", None) or {}
            routes = routing.get("routes") or [""]
            read_routing = routing.get("type") == "fastapi" and read_routings.get(routes[0].rstrip("/"))
            yield url, with_readonly(endpoint, read_routing) if read_routing else endpoint

    def _endpoint_route_last_version(self):
        # OCA endpoint_route_handler keys the routing map by a sequence it reads at every request (a statement
        # per call). Each route change it makes (register, unregister, sync) also clears the "routing" cache,
        # which Odoo signals to the other workers through the statement it runs at every request anyway: the
        # map is rebuilt when a route changes without reading the sequence.
        return 0

    @classmethod
    def _auth_method_public(cls):
        # A FastAPI endpoint's calls run as the endpoint's user (OCA fastapi switches to it): the public user
        # only stands in until then. Its id comes from the xmlid cache, where env.ref would check at every
        # call that the user still exists (a query); deleting it removes its xmlid, which clears that cache.
        if request.env.uid is None and request.dispatcher.routing_type == "fastapi":
            public_user = request.env["ir.model.data"]._xmlid_to_res_id("base.public_user", raise_if_not_found=True)
            request.update_env(user=public_user)
            return
        super()._auth_method_public()

import functools

from odoo import models


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

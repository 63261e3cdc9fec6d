import inspect

from fastapi.routing import iter_route_contexts

from odoo.tests import tagged

from .common import DciCase


def _sync_dependencies(dependant, seen=None):
    """Names of the plain ``def`` callables in ``dependant``'s tree: FastAPI runs each in a worker thread."""
    seen = set() if seen is None else seen
    names = []
    for dependency in dependant.dependencies:
        call = dependency.call
        if call is None or id(call) in seen:
            continue
        seen.add(id(call))
        if not (inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)):
            names.append(getattr(call, "__qualname__", repr(call)))
        names += _sync_dependencies(dependency, seen)
    return names


@tagged("post_install", "-at_install")
class TestDciCallLayers(DciCase):
    """What runs under every DCI call before its route: no dependency FastAPI would hand to a worker thread
    (each one a hop there and back and a thread started per call), the app-level ones included."""

    def test_no_dependency_runs_in_a_worker_thread(self):
        app = self.env.ref("g2p_dci_search.fastapi_endpoint_dci")._get_app()
        # the routes as the app serves them: with the app-level dependencies (Accept-Language)
        routes = [route for route in iter_route_contexts(app.routes) if getattr(route, "dependant", None)]
        self.assertIn("/registry/sync/search", [route.path for route in routes])
        self.assertGreater(len(routes), 5)
        for route in routes:
            with self.subTest(route=route.path):
                self.assertEqual(_sync_dependencies(route.dependant), [])

"""Demo data made the way real traffic makes it, loaded with the demo data only (``demo/*.xml``
call these methods at install). Nothing here writes a state: records are created by the code
that handles real calls and run by the same jobs, so every screen shows what it would show live."""

import warnings
from contextlib import contextmanager

from extendable import context
from extendable import main as extendable_main
from extendable.registry import ExtendableClassesRegistry
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from odoo import api, models

from odoo.addons.fastapi.context import odoo_env_ctx

from ..services import url_guard
from . import job_runner, local_receiver

# the partner endpoint of the demo listens here while the demo data loads: not 127.0.0.1, where
# the tests' receivers listen, so a later call to the demo's (gone) endpoint never reaches one of them
DEMO_RECEIVER_HOST = "127.0.0.2"


class G2PDemoTraffic(models.AbstractModel):
    _name = "g2p.demo.traffic"
    _description = "Demo data made through the code paths of real traffic"

    @api.model
    def _run_due_jobs(self, model_names):
        """Run the queued jobs of these models that are due, and those they queue, as the job runner
        would; then drop the done ones as its autovacuum does. A job queued for later (a retry) stays."""
        # the runner runs each job in an HTTP request, where the API schemas are assembled
        with self._api_schemas():
            done = job_runner.perform_pending_jobs(self.env, model_names)
        done.unlink()

    @contextmanager
    def _local_receiver(self):
        """A partner endpoint on this machine for the time the demo data loads. Its host is allow-listed
        meanwhile (as an administrator would for a partner on the registry's network), and no longer after."""
        params = self.env["ir.config_parameter"].sudo()
        allowed = params.get_param(url_guard.ALLOWED_HOSTS_PARAM)
        with local_receiver.Receiver(DEMO_RECEIVER_HOST) as receiver:
            params.set_param(url_guard.ALLOWED_HOSTS_PARAM, ",".join(filter(None, [allowed, receiver.host_port])))
            try:
                yield receiver
            finally:
                params.set_param(url_guard.ALLOWED_HOSTS_PARAM, allowed or False)

    @contextmanager
    def _api_schemas(self):
        """The API schemas (extendable classes) while the modules install: the registry assembles them only
        once every module is loaded, after the demo data; here they are assembled from what is loaded so far."""
        self.env.cr.execute(
            "SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to install')"
        )
        addons = {name for (name,) in self.env.cr.fetchall()}
        # the classes of these addons in their loading order, as the registry takes them; not those of test
        # modules (imported when tests run, they extend the schemas for their own purpose)
        modules = [
            module
            for module in extendable_main._extendable_class_defs_by_module
            if module.startswith("odoo.addons.") and module.split(".")[2] in addons and ".tests." not in f"{module}."
        ]
        registry = ExtendableClassesRegistry()
        registry.init_registry(modules)
        token = context.extendable_registry.set(registry)
        try:
            yield
        finally:
            context.extendable_registry.reset(token)

    @contextmanager
    def _app_client(self, endpoint):
        """An HTTP client of the app ``endpoint`` mounts, served in this process and transaction by its own
        routers, middleware and user, as Odoo serves it: the demo partner's calls are real calls."""
        with warnings.catch_warnings():
            # imported here, for the demo only: its module warns about its HTTP library at import
            warnings.simplefilter("ignore", StarletteDeprecationWarning)
            from starlette.testclient import TestClient
        app = FastAPI()
        app.mount(endpoint.root_path, endpoint._get_app())
        endpoint._clear_fastapi_exception_handlers(app)
        token = odoo_env_ctx.set(self.env(user=endpoint.user_id, su=False))
        try:
            with self._api_schemas(), TestClient(app, raise_server_exceptions=False) as client:
                yield client
        finally:
            odoo_env_ctx.reset(token)

    @api.model
    def _demo_token(self, http, client_id, secret, scope):
        """An access token of the demo partner, from POST /api/v2/oauth/token like any partner's."""
        response = http.post(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope},
        )
        response.raise_for_status()
        return response.json()["access_token"]

    @api.model
    def _demo_outbound_deliveries(self):
        """The demo partner subscribes to individual.updated; three events are delivered by the delivery
        job to its endpoint, which takes the first (sent), asks to come back in an hour for the second
        (retrying) and refuses the third (failed)."""
        client = self.env.ref("g2p_partner_api.demo_api_client")
        Subscription = self.env["g2p.api.subscription"]
        with self._local_receiver() as receiver, self._api_schemas():
            receiver.answer(201, {"id": "SPMIS-P-000117"})
            receiver.answer(503, {"error": "scheduled maintenance"}, {"Retry-After": "3600"})
            receiver.answer(422, {"error": "unknown district code"})
            subscription = Subscription.create(
                {
                    "name": "Demo partner: registrant updates",
                    "client_id": client.id,
                    "target_url": f"{receiver.url}/g2p/events",
                    "allow_insecure": True,
                    "event_type_ids": [(6, 0, self.env.ref("g2p_partner_api.event_individual_updated").ids)],
                    "callback_json_path": "$.id",
                    "max_attempts": 4,
                }
            )
            subscription._generate_hmac_secret()
            for number in ("01", "02", "03"):
                Subscription._emit("individual.updated", self.env.ref(f"g2p_partner_api.demo_individual_{number}"))
                self._run_due_jobs(["g2p.api.delivery"])
        return subscription

from fastapi import Depends
from starlette.middleware import Middleware

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError

from ..routers import REST_ROUTERS
from ..services.api_docs import add_offline_docs
from ..services.api_errors import TOKEN_ROUTE
from ..services.app_spec import AppSpec
from ..services.error_handlers import answers_problems, render_rest_error
from ..services.inline_routes import inline_dependencies, inline_routes
from ..services.json_body import read_parsed_bodies
from ..services.middleware import G2PApiMiddleware
from ..services.openapi_document import finish_openapi, operation_id
from ..services.problem_details import document_problem_media_type
from ..services.query_parameters import refuse_unknown_query_parameters
from ..services.read_routing import ReadRouting
from ..services.request_limits import rest_max_body_bytes

APP = "g2p_partner_api"
AUDIT_SWITCHES = ("g2p_audit_enabled", "g2p_audit_anonymous_failures")
# what _endpoint_reader and _company_readers read of the endpoints
READER_FIELDS = {"app", "user_id", "company_id", "active"}


class FastapiEndpoint(models.Model):
    """The apps of the suite: each one registers itself in ``_g2p_apps`` and gets its routers,
    the suite's middleware (savepoint, its own error envelope, audit) and its OpenAPI metadata."""

    _inherit = "fastapi.endpoint"

    app = fields.Selection(selection_add=[(APP, "G2P Partner API (REST v2)")], ondelete={APP: "cascade"})
    g2p_is_suite_app = fields.Boolean(compute="_compute_g2p_is_suite_app")
    g2p_audit_enabled = fields.Boolean(
        "Audit calls",
        default=True,
        help="One audit row per call (health probes and docs excepted). Only a system administrator switches it off.",
    )
    g2p_audit_anonymous_failures = fields.Boolean(
        "Audit refused anonymous calls",
        default=True,
        help="Also record calls refused before the caller was authenticated (bad token, unknown or unproven sender). "
        "Anonymous calls that succeed are never recorded. Only a system administrator switches it off.",
    )

    @api.depends("app")
    def _compute_g2p_is_suite_app(self):
        apps = self._g2p_apps()
        for rec in self:
            rec.g2p_is_suite_app = rec.app in apps

    @api.model_create_multi
    def create(self, vals_list):
        self._check_audit_switches(*vals_list)
        endpoints = super().create(vals_list)
        self._reader_changed()
        return endpoints

    def write(self, vals):
        self._check_audit_switches(vals)
        moved = (
            self.filtered(lambda endpoint: endpoint.company_id.id != vals["company_id"]) if "company_id" in vals else ()
        )
        result = super().write(vals)
        if moved:
            self.env["g2p.api.subscription"]._endpoint_moved(moved)
        if READER_FIELDS & set(vals):
            self._reader_changed()
        return result

    def unlink(self):
        result = super().unlink()
        self._reader_changed()
        return result

    @api.model
    def _reader_changed(self):
        # the user and company each endpoint reads as (_endpoint_reader, _company_readers), cached in every worker:
        # an endpoint created, archived, deleted or moved to another user or company may change them
        self.env.registry.clear_cache()

    @api.model
    @tools.ormcache("app", "company_id")
    def _company_readers(self, app, company_id):
        """(user id, company id) of each active endpoint of ``app`` working for the company ``company_id`` (one of no
        company works in its user's), first created first: what a call of ``app`` in that company reads the registry
        as. Cached as ``_endpoint_reader``."""
        endpoints = self.sudo().with_context(active_test=True).search([("app", "=", app)], order="id")
        return tuple(
            (endpoint.user_id.id, endpoint.company_id.id)
            for endpoint in endpoints
            if (endpoint.company_id or endpoint.user_id.company_id).id == company_id
        )

    @api.model
    @tools.ormcache("endpoint_id", "app")
    def _endpoint_reader(self, endpoint_id, app):
        """(user id, company id) a call received by the endpoint ``endpoint_id`` of ``app`` read the registry as,
        as it is now; None when that endpoint is archived, deleted or of another app. Cached: the endpoints clear it
        when one is created, archived, deleted or given another user or company."""
        endpoint = self.sudo().with_context(active_test=True).search([("id", "=", endpoint_id), ("app", "=", app)])
        return (endpoint.user_id.id, endpoint.company_id.id) if endpoint else None

    @api.model
    def _rest_reader_env(self, company):
        """The environment a REST read in ``company`` runs in: this one when it is a REST call's there (the user of an
        active REST endpoint of ``company``, not the superuser), else the company's first REST endpoint's
        (``_company_readers``); None when ``company`` has none, never another company's."""
        readers = self._company_readers(APP, company.id)
        env = self.env
        if not env.su and env.company == company and env.uid in {user_id for user_id, _company_id in readers}:
            return env
        return self._reader_env(readers[0] if readers else None)

    @api.model
    def _reader_env(self, reader):
        """The environment of ``reader`` ((user id, company id), ``_endpoint_reader``), never the superuser; None for
        None."""
        if reader is None:
            return None
        user_id, company_id = reader
        context = dict(self.env.context, allowed_company_ids=[company_id] if company_id else [])
        return self.env(user=user_id or self.env.uid, su=False, context=context)

    @api.model
    def _check_audit_switches(self, *vals_list):
        # the audit trail is evidence of who called what: an API Manager may not switch it off
        switched_off = any(field in vals and not vals[field] for vals in vals_list for field in AUDIT_SWITCHES)
        if switched_off and not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(_("Only a system administrator may switch auditing of an API off."))

    @api.model
    def _fastapi_app_fields(self):
        # the audit switches and the company are given to the middleware when the app is built: changing them
        # rebuilds it (in every worker: OCA's app pool is dropped when the registry cache is cleared)
        return super()._fastapi_app_fields() + list(AUDIT_SWITCHES) + ["company_id"]

    @api.model
    def _g2p_apps(self):
        """app selection value → its ``AppSpec``. Addons of the suite add their app here (call super and add
        a key), or add routers to another's (``dataclasses.replace``)."""
        return {
            APP: AppSpec(
                routers=tuple(REST_ROUTERS),
                render_error=render_rest_error,
                max_body_bytes=rest_max_body_bytes,
                answers_problems=answers_problems,
                # bulk lookups only read: a read replica serves them as it serves GETs
                readonly_posts=("/Individual/$lookup", "/Group/$lookup"),
                invalid_input={
                    "description": "Invalid body or query, each field named",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                },
                version="2.0",
                summary="Registry REST API: individuals, groups, programmes and memberships for partner systems.",
            )
        }

    def _get_routing_info(self):
        routing = super()._get_routing_info()
        if self.g2p_is_suite_app:
            # callers authenticate with a bearer token or a signature on each call: an Odoo session would
            # only answer a session cookie (and store a session file) on every call
            routing["save_session"] = False
        return routing

    @api.model
    def _g2p_read_routings(self):
        """root path → ``ReadRouting`` of each suite app (the ``readonly`` of its routes)."""
        apps = self._g2p_apps()
        return {
            endpoint.root_path.rstrip("/"): ReadRouting(endpoint.root_path, apps[endpoint.app].readonly_posts)
            for endpoint in self.search([("app", "in", list(apps))])
        }

    def _get_fastapi_routers(self):
        spec = self._g2p_apps().get(self.app)
        return read_parsed_bodies(inline_routes(list(spec.routers))) if spec else super()._get_fastapi_routers()

    def _get_fastapi_app_dependencies(self):
        # OCA's accept_language is a plain def: FastAPI would run it in a thread started for each call
        dependencies = super()._get_fastapi_app_dependencies()
        return inline_dependencies(dependencies) if self.app in self._g2p_apps() else dependencies

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        spec = self._g2p_apps().get(self.app)
        if spec:
            middlewares.append(
                Middleware(
                    G2PApiMiddleware,
                    source=self.root_path,
                    render_error=spec.render_error,
                    max_body_bytes=spec.max_body_bytes,
                    readonly_posts=spec.readonly_posts,
                    context_class=spec.context_class,
                    company_id=self.company_id.id,
                    endpoint_id=self.id,
                    audit=self.g2p_audit_enabled,
                    audit_anonymous_failures=self.g2p_audit_anonymous_failures,
                )
            )
        return middlewares

    def _get_app_dependencies_overrides(self):
        # With any dependency override, FastAPI analyses every dependency of a route again on
        # each call (signatures, pydantic adapters: about half of a simple call's CPU). The
        # suite's apps need none: the middleware gives each call the endpoint's company.
        if self.app in self._g2p_apps():
            return {}
        return super()._get_app_dependencies_overrides()

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        spec = self._g2p_apps().get(self.app)
        if spec:
            params.update(
                version=spec.version,
                summary=spec.summary,
                generate_unique_id_function=operation_id,
                # served from the registry's own copies (add_offline_docs), never from a CDN
                docs_url=None,
                redoc_url=None,
            )
        if self.app == APP:
            params["dependencies"] = [*params.get("dependencies", ()), Depends(refuse_unknown_query_parameters)]
        return params

    def _get_app(self):
        app = super()._get_app()
        if self.app not in self._g2p_apps():
            return app
        spec = self._g2p_apps()[self.app]
        rest = self.sudo().search([("app", "=", APP)], limit=1)
        scopes = self.env["g2p.api.scope"].sudo().search_fetch([], ["code", "description"])
        finish_openapi(
            app,
            token_url=f"{rest.root_path or '/api/v2'}{TOKEN_ROUTE}",
            scope_descriptions={scope.code: scope.description for scope in scopes},
            invalid_input=spec.invalid_input,
        )
        if spec.answers_problems:
            # after finish_openapi: the document it completes is the one whose errors are problem details
            document_problem_media_type(app, spec.answers_problems)
        return add_offline_docs(app)

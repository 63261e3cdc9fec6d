"""``/docs`` and ``/redoc`` of the suite's apps, served from the registry itself.

FastAPI's own pages load Swagger UI and Redoc from a CDN: an air-gapped registry shows a blank
page, and a third party's script runs on the registry's origin. The pages here load the copies
vendored under ``g2p_partner_api/static/lib`` (served by Odoo's static route) and nothing else:
no fonts, no validator badge (Swagger UI would send the spec's URL to validator.swagger.io).
"""

from fastapi import Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

STATIC = "/g2p_partner_api/static/lib"
SWAGGER_JS = f"{STATIC}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{STATIC}/swagger-ui/swagger-ui.css"
FAVICON = f"{STATIC}/swagger-ui/favicon-32x32.png"
REDOC_JS = f"{STATIC}/redoc/redoc.standalone.js"
SWAGGER_PARAMETERS = {"validatorUrl": None}


def _openapi_url(app, request):
    # the app is mounted at its endpoint's root path (the ASGI root_path of the call)
    return request.scope.get("root_path", "").rstrip("/") + app.openapi_url


def add_offline_docs(app):
    """Add ``/docs`` and ``/redoc`` to ``app`` (built with ``docs_url=None, redoc_url=None``)."""

    async def swagger_ui(request: Request):
        return get_swagger_ui_html(
            openapi_url=_openapi_url(app, request),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url=FAVICON,
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    async def redoc(request: Request):
        return get_redoc_html(
            openapi_url=_openapi_url(app, request),
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS,
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )

    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
    return app

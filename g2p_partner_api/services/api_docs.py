"""``/docs`` and ``/redoc`` of the suite's apps, served from the registry itself.

FastAPI's own pages load Swagger UI and Redoc from a CDN: an air-gapped registry shows a blank
page, and a third party's script runs on the registry's origin. The pages here load the copies
vendored under ``g2p_partner_api/static/lib`` (served by Odoo's static route) and nothing else:
no fonts, no validator badge (Swagger UI would send the spec's URL to validator.swagger.io).
"""

from functools import partial

from fastapi import Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

STATIC = "/g2p_partner_api/static/lib"
FAVICON = f"{STATIC}/swagger-ui/favicon-32x32.png"
# path of each page → (its name in the title, its HTML given the spec's URL and a title)
PAGES = {
    "/docs": (
        "Swagger UI",
        partial(
            get_swagger_ui_html,
            swagger_js_url=f"{STATIC}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=FAVICON,
            swagger_ui_parameters={"validatorUrl": None},
        ),
    ),
    "/redoc": (
        "ReDoc",
        partial(
            get_redoc_html,
            redoc_js_url=f"{STATIC}/redoc/redoc.standalone.js",
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        ),
    ),
}


def _page(app, name, render):
    async def page(request: Request):
        # the app is mounted at its endpoint's root path (the ASGI root_path of the call)
        openapi_url = request.scope.get("root_path", "").rstrip("/") + app.openapi_url
        return render(openapi_url=openapi_url, title=f"{app.title} - {name}")

    return page


def add_offline_docs(app):
    """Add ``/docs`` and ``/redoc`` to ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    for path, (name, render) in PAGES.items():
        app.add_api_route(path, _page(app, name, render), methods=["GET"], include_in_schema=False)
    return app

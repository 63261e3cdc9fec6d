"""The OpenAPI of the suite's apps, as client generators need it.

- every operation has a stable ``operationId`` in ``verbNoun`` form, derived from the route's
  name by one convention (routes added later get one too);
- the OAuth 2.0 client-credentials scheme names the registry's token route and the scopes the
  operations ask for (each protected operation lists its scope);
- a model sent and answered both (``Coding``: refused with unknown fields when sent, open to new
  fields when answered) has two schemas, ``Coding-Input`` and ``Coding-Output``: their titles
  say which, as generators name classes after titles (two ``Coding`` classes would collide);
- FastAPI's own 422 (``HTTPValidationError``) is documented only where the app answers it:
  an app that answers invalid input in its own shape says so (``invalid_input`` of ``_g2p_apps``).
"""

import re

SECURITY_SCHEME = "OAuth2"
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
KEEP = object()
# a GET named search_x or read_x is what clients call listX and getX
VERBS_OF_READS = {"search": "list", "read": "get"}


def operation_id(route):
    """``verbNoun`` of a route from its name: ``create_individual`` → ``createIndividual``,
    ``search_individuals`` (GET) → ``listIndividuals``, ``read_individual`` (GET) → ``getIndividual``.
    A route whose function name does not say what it does is given ``name=`` on its decorator."""
    first, *rest = [word for word in route.name.split("_") if word]
    if "GET" in route.methods:
        first = VERBS_OF_READS.get(first, first)
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def _operations(spec):
    for operations in spec.get("paths", {}).values():
        yield from (operation for operation in operations.values() if isinstance(operation, dict))


def complete_security_scheme(spec, token_url, scope_descriptions):
    """Give the client-credentials flow of ``spec`` its token URL and the scopes its operations require."""
    scheme = spec.get("components", {}).get("securitySchemes", {}).get(SECURITY_SCHEME)
    if not scheme:
        return spec
    required = {
        scope
        for operation in _operations(spec)
        for requirement in operation.get("security", [])
        for scope in requirement.get(SECURITY_SCHEME, [])
    }
    flow = scheme["flows"]["clientCredentials"]
    flow["tokenUrl"] = token_url
    flow["scopes"] = {scope: scope_descriptions.get(scope) or scope for scope in sorted(required)}
    return spec


def title_split_schemas(spec):
    """Title each ``X-Input`` / ``X-Output`` schema ``XInput`` / ``XOutput``."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if re.fullmatch(r".+-(Input|Output)", name):
            schema["title"] = name.replace("-", "")
    return spec


def replace_fastapi_validation_error(spec, response):
    """Put ``response`` (an OpenAPI response, or None for none) where FastAPI documented its own 422."""
    ref = f"#/components/schemas/{FASTAPI_VALIDATION_SCHEMAS[0]}"
    for operation in _operations(spec):
        responses = operation.get("responses", {})
        schema = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref") != ref:
            continue
        if response is None:
            del responses["422"]
        else:
            responses["422"] = response
    if ref not in str(spec.get("paths")):
        for name in FASTAPI_VALIDATION_SCHEMAS:
            spec.get("components", {}).get("schemas", {}).pop(name, None)
    return spec


def finish_openapi(app, token_url, scope_descriptions, invalid_input=KEEP):
    """Make ``app.openapi()`` answer the completed document (built once, as FastAPI does)."""
    build = app.openapi

    def openapi():
        if app.openapi_schema is None:
            spec = title_split_schemas(complete_security_scheme(build(), token_url, scope_descriptions))
            if invalid_input is not KEEP:
                replace_fastapi_validation_error(spec, invalid_input)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi
    return app

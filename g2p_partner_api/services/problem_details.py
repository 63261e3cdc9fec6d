"""RFC 9457 problem details: the error body of the REST app and of ``GET /partner/ingest_status``.

One body shape for every error: ``type`` (``PROBLEM_TYPE_BASE`` + the machine code), ``title``
(the same for every occurrence of a code), ``status``, ``detail`` (this occurrence), ``instance``
(the request path), ``code`` (the machine code clients switch on) and ``errors``: one entry per
problem of the request, each ``{pointer | parameter | header, code, message}``, where ``pointer``
is an RFC 6901 JSON pointer into the body and ``code`` one of ``FIELD_CODES``. Every code is
listed in docs/errors.md (a test keeps the table and these constants in step).
"""

from http import HTTPStatus

PROBLEM_CONTENT_TYPE = "application/problem+json"
# the namespace of the suite's problem types, as its vocabularies (urn:g2p:vocab:…) and identifier
# systems (urn:g2p:id:…): a name that identifies the code, documented in docs/errors.md
PROBLEM_TYPE_BASE = "urn:g2p:problem:"

# machine code of a problem → its title (RFC 9457 §3.1.3: does not change from occurrence to occurrence)
PROBLEM_TITLES = {
    "bad_request": "The request cannot be read",
    "malformed_json": "The body is not well-formed JSON",
    "unknown_query_parameter": "A query parameter is not one of the route's",
    "unauthorized": "A valid bearer token is required",
    "forbidden": "Access denied",
    "insufficient_scope": "The token lacks the scope of this call",
    "not_found": "No such resource",
    "method_not_allowed": "The resource does not support this method",
    "conflict": "The request conflicts with the resource's state",
    "duplicate": "An identifier or membership is already taken",
    "possible_duplicate": "The individual may already be registered",
    "gone": "The resource was archived",
    "precondition_failed": "The resource changed since it was read",
    "payload_too_large": "The body is too large",
    "unsupported_media_type": "The body's media type is not accepted",
    "validation_error": "The request is not valid",
    "precondition_required": "If-Match is required",
    "rate_limited": "Rate limit reached",
    "too_many_requests": "Too many requests",
    "internal_error": "Internal error",
}
# HTTP status of a problem raised without a code of its own (routing, body limits) → code
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
}
# codes of ``errors[].code``: what is wrong with one member, parameter or header
FIELD_CODES = {
    "required": "A required member or parameter is missing",
    "invalid_type": "Wrong JSON type (e.g. a number where text is expected)",
    "invalid_format": "Text not in the expected format (date YYYY-MM-DD, uuid, <system>|<value>, ...)",
    "invalid_value": "A value the field does not take (e.g. NUL characters, a cleared required value)",
    "blank": "Text made only of whitespace",
    "too_long": "Text or list longer than allowed",
    "too_short": "Text or list shorter than allowed (e.g. empty)",
    "out_of_range": "A number or date outside its allowed range (e.g. a birth date in the future)",
    "not_allowed": "A member the schema does not have, or a value outside the allowed ones",
    "unknown_code": "A code that is not in the vocabulary of the field",
    "unknown_identifier_system": "An identifier system (identifier type) the registry does not know",
    "unknown_registrant": "A registrant this client does not know or may not use",
    "pattern_mismatch": "A value off the pattern of its field or identifier type",
    "duplicate_value": "The same value given twice in one list",
    "duplicate_member": "A member named twice in one JSON object (the pointer names it)",
    "wrong_target_type": "A registrant of the wrong kind for the programme (individual or group)",
    "malformed_json": "The body is not well-formed JSON",
    "unknown_parameter": "A query parameter the route does not declare",
    "etag_mismatch": "If-Match does not name the current version",
    "already_member": "The individual is already an open member of the group",
    "head_set_by_registry": "The head of an existing household is set by registry staff, not through the API",
    "membership_ended": "The membership has already ended",
}
# pydantic error type → field code (any type not listed is invalid_value)
PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "not_allowed",
    "literal_error": "not_allowed",
    "enum": "not_allowed",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "string_pattern_mismatch": "pattern_mismatch",
    "string_blank": "blank",
    "json_invalid": "malformed_json",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    **dict.fromkeys(
        (
            "date_parsing",
            "date_from_datetime_parsing",
            "date_from_datetime_inexact",
            "datetime_parsing",
            "datetime_from_date_parsing",
            "uuid_parsing",
            "url_parsing",
            "time_parsing",
        ),
        "invalid_format",
    ),
    **dict.fromkeys(
        (
            "string_type",
            "int_type",
            "int_parsing",
            "int_from_float",
            "float_type",
            "float_parsing",
            "bool_type",
            "bool_parsing",
            "dict_type",
            "list_type",
            "model_type",
            "model_attributes_type",
            "date_type",
            "datetime_type",
            "none_required",
            "is_instance_of",
        ),
        "invalid_type",
    ),
}
# where a request parameter is: FastAPI's first ``loc`` part → member of the error entry
LOCATION_MEMBERS = {
    "body": "pointer",
    "query": "parameter",
    "path": "parameter",
    "header": "header",
    "cookie": "cookie",
}


def document_problem_media_type(app, answers_problems):
    """The OpenAPI document of ``app`` shows the error responses (4xx, 5xx) of the paths ``answers_problems(path)``
    selects under ``application/problem+json``, the media type they are served with."""
    generate = app.openapi

    def openapi():
        if not app.openapi_schema:
            schema = generate()
            for path, operations in schema.get("paths", {}).items():
                if not answers_problems(path):
                    continue
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content") or {}
                        if status[:1] in "45" and "application/json" in content:
                            content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app


def problem_type(code):
    return PROBLEM_TYPE_BASE + code


def title(code, status):
    return PROBLEM_TITLES.get(code) or HTTPStatus(status).phrase


def json_pointer(path):
    """RFC 6901 pointer of ``path`` (keys and list indexes), e.g. ("identifiers", 0, "value")."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_path(label):
    """The path of a field as messages name it (``members[0].kinds[1].code``) → ("members", 0, "kinds", 1, "code")."""
    path = []
    for part in label.replace("]", "").replace("[", ".").split("."):
        if part:
            path.append(int(part) if part.isdigit() else part)
    return tuple(path)


def body_error(label, code, message):
    """An ``errors`` entry for the body member named ``label`` (dotted, as messages name fields)."""
    return {"pointer": json_pointer(field_path(label)), "code": code, "message": message}


def parameter_error(name, code, message):
    return {"parameter": name, "code": code, "message": message}


def header_error(name, code, message):
    return {"header": name, "code": code, "message": message}


def validation_errors(errors):
    """FastAPI/pydantic errors → ``errors`` entries: no pydantic type leaks, each with its location.

    A check that names a member below the one it validates (e.g. the second of two equal
    identifiers, seen by the list's validator) gives its extra path in the error's ``ctx["at"]``."""
    entries = []
    for error in errors:
        loc = tuple(error.get("loc") or ("body",))
        ctx = error.get("ctx") or {}
        member = LOCATION_MEMBERS.get(loc[0], "pointer")
        where = loc[1:] if loc[0] in LOCATION_MEMBERS else loc
        if member == "pointer":
            if error.get("type") == "json_invalid":
                where = ()  # the position in the text is no member of the body
            where = json_pointer(where + tuple(ctx.get("at") or ()))
        else:
            where = ".".join(str(part) for part in where)
        kind = error.get("type")
        code = kind if kind in FIELD_CODES else PYDANTIC_CODES.get(kind, "invalid_value")
        entries.append({member: where, "code": code, "message": error.get("msg", "")})
    return entries


def body(status, code, detail, instance, errors=(), extra=None):
    """The problem details object; ``extra`` members (e.g. ``candidates`` of a 409) never replace the standard ones."""
    problem = dict(extra or {})
    problem.update(
        type=problem_type(code),
        title=title(code, status),
        status=status,
        detail=detail,
        instance=instance,
        code=code,
        errors=list(errors),
    )
    return problem

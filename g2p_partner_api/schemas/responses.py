"""OpenAPI ``responses`` of the REST routes: problem details bodies, rate limit and ETag headers."""

from pydantic import BaseModel, Field

from ..services import problem_details


class ProblemError(BaseModel):
    """One problem of the request: where (one of pointer, parameter, header), what (code), in words."""

    pointer: str | None = Field(None, description="RFC 6901 JSON pointer into the body", examples=["/birthdate"])
    parameter: str | None = Field(None, description="query or path parameter", examples=["_count"])
    header: str | None = Field(None, description="request header", examples=["If-Match"])
    code: str = Field(description="one of the field codes of docs/errors.md", examples=["out_of_range"])
    message: str


class ErrorBody(BaseModel):
    """Every error of the REST API (and of ingest_status): RFC 9457 problem details, served as
    application/problem+json. The codes are listed in docs/errors.md."""

    type: str = Field(
        description="URI of the problem type: urn:g2p:problem:<code>", examples=["urn:g2p:problem:not_found"]
    )
    title: str = Field(examples=["No such resource"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Individual 1b4e28ba-2fa1-11d2-883f-0016d3cca427 not found."])
    instance: str = Field(
        description="the request path", examples=["/api/v2/Individual/1b4e28ba-2fa1-11d2-883f-0016d3cca427"]
    )
    code: str = Field(description="machine code of the problem (the end of type)", examples=["not_found"])
    errors: list[ProblemError] = Field(
        [], description="every problem of the body, parameters or headers, each at its JSON pointer"
    )
    candidates: list[str] | None = Field(
        None,
        description="409 duplicate / possible_duplicate of a new registrant: uuids of the registrants it may "
        "duplicate, only those the client may read (read scope in the token and the registrant's consent)",
    )
    archived_at: str | None = Field(None, description="410 gone: when the registrant was archived (UTC)")


def problem_example(status, code, detail, instance="/api/v2/Individual", errors=(), **extra):
    """An example problem details body for the OpenAPI documents."""
    return problem_details.body(status, code, detail, instance, errors, extra)


RATE_LIMIT_HEADERS = {
    "Retry-After": {
        "description": "Seconds until the client's window resets and calls are accepted again",
        "schema": {"type": "integer", "example": 42},
    },
    "RateLimit-Limit": {
        "description": "Calls per minute this client may make (set on the client, else the system default)",
        "schema": {"type": "integer", "example": 60},
    },
    "RateLimit-Remaining": {
        "description": "Calls left in the current window (also sent on every successful answer)",
        "schema": {"type": "integer", "example": 0},
    },
    "RateLimit-Reset": {"description": "Seconds until the window resets", "schema": {"type": "integer", "example": 42}},
}
RATE_LIMITED_MESSAGE = "Rate limit of 60 calls per minute reached; retry in 42 s."


def rate_limited_response(model, example):
    """OpenAPI ``responses`` entry of a 429 in one protocol's own error shape (``example``)."""
    return {
        "model": model,
        "description": "Over the client's rate limit, counted across every worker and node: retry after Retry-After",
        "headers": RATE_LIMIT_HEADERS,
        "content": {"application/json": {"example": example}},
    }


ERROR_RESPONSES = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (401, "Missing, invalid or expired bearer token"),
        (403, "The token lacks the scope of this call"),
        (404, "No such resource (or not visible to this client)"),
        (409, "Duplicate identifier or state conflict"),
        (422, "Invalid body or query: unknown code, identifier system or field"),
    )
}
ERROR_RESPONSES[429] = rate_limited_response(ErrorBody, problem_example(429, "rate_limited", RATE_LIMITED_MESSAGE))


def error_responses(*statuses):
    """The OpenAPI ``responses`` of these REST error statuses: each route documents those it can give."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


# what any authenticated call can answer: bad token, scope, invalid input, rate limit
CALL_ERRORS = error_responses(401, 403, 422, 429)
# a route that names one resource (its uuid in the path or the body)
NOT_FOUND = error_responses(404)
# a write that can meet a duplicate identifier or a state that does not allow it
CONFLICT = error_responses(409)


ETAG_EXAMPLE = '"9b2f6c0e4a1d8e37c5b0a2f4d6e8c1a3"'
ETAG_HEADERS = {
    "ETag": {
        "description": "Version of the resource as this client sees it (strong ETag): send it "
        "back in If-Match to write only if nobody changed it since",
        "schema": {"type": "string", "example": ETAG_EXAMPLE},
    }
}


def _error_response(description, example):
    return {"model": ErrorBody, "description": description, "content": {"application/json": {"example": example}}}


def error_response(description, examples, status=409):
    """An OpenAPI response with several named examples: {name: (code, message, extension members)}."""
    return {
        "model": ErrorBody,
        "description": description,
        "content": {
            "application/json": {
                "examples": {
                    name: {"value": problem_example(status, code, message, **extra)}
                    for name, (code, message, extra) in examples.items()
                }
            }
        },
    }


REGISTRANT_EXAMPLE = "/api/v2/Individual/1b4e28ba-2fa1-11d2-883f-0016d3cca427"
GONE_RESPONSE = _error_response(
    "Archived: the registrant was archived (DELETE) on the date given",
    problem_example(
        410,
        "gone",
        "Individual 1b4e28ba-2fa1-11d2-883f-0016d3cca427 was archived on 2025-03-01T09:30:00Z.",
        REGISTRANT_EXAMPLE,
        archived_at="2025-03-01T09:30:00Z",
    ),
)
PRECONDITION_RESPONSES = {
    412: _error_response(
        "If-Match does not name the current version: read the resource again",
        problem_example(
            412,
            "precondition_failed",
            f"The resource changed since it was read: its current ETag is {ETAG_EXAMPLE}.",
            REGISTRANT_EXAMPLE,
            [problem_details.header_error("If-Match", "etag_mismatch", ETAG_EXAMPLE)],
        ),
    ),
    428: _error_response(
        "This client must send If-Match on writes",
        problem_example(
            428,
            "precondition_required",
            "This client must send If-Match with the ETag of its last read of the resource.",
            REGISTRANT_EXAMPLE,
            [problem_details.header_error("If-Match", "required", "required for this client")],
        ),
    ),
}


def versioned_responses(status=200, gone=False, write=False):
    """OpenAPI ``responses`` of a single-resource route: the ETag header on success, 410 for
    registrants, 412/428 for writes."""
    responses = {status: {"headers": ETAG_HEADERS}}
    if status == 200 and not write:
        responses[304] = {
            "description": "Not modified: If-None-Match names the current version",
            "headers": ETAG_HEADERS,
        }
    if gone:
        responses[410] = GONE_RESPONSE
    if write:
        responses.update(PRECONDITION_RESPONSES)
    return responses

import re
from datetime import date
from typing import Annotated, ClassVar, Generic, TypeVar

from extendable_pydantic import StrictExtendableBaseModel
from fastapi import Body, Header, Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..services.orm_prefetch import prefetch_paths, root_fields

T = TypeVar("T")

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Every resource is addressed by its uuid; anything else is refused (422) before reaching the database.
UuidPath = Annotated[str, Path(pattern=UUID_PATTERN, description="uuid of the resource")]
IncludeArchived = Annotated[bool, Query(description="List archived registrants too (see archived_at)")]
ReasonHeader = Annotated[
    str | None,
    Header(alias="X-Reason", max_length=256, description='Why it is archived (or send {"reason": ...} as the body)'),
]


class PingResponse(BaseModel):
    status: str = Field(examples=["ok"])


class ErrorDetail(BaseModel):
    field: str = ""
    message: str
    type: str = ""


class ErrorInfo(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    details: list[ErrorDetail] = []
    candidates: list[str] | None = Field(
        None,
        description="409 duplicate / possible_duplicate of a new registrant: uuids of the registrants it may "
        "duplicate, only those the client may read (read scope in the token and the registrant's consent)",
    )


class ErrorBody(BaseModel):
    """Every error of the REST API has this shape."""

    error: ErrorInfo


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
        (403, "Scope missing, or the registrant's consent does not cover this access"),
        (404, "No such resource (or not visible to this client)"),
        (409, "Duplicate identifier or state conflict"),
        (422, "Invalid body or query: unknown code, identifier system or field"),
    )
}
ERROR_RESPONSES[429] = rate_limited_response(
    ErrorBody, {"error": {"code": "rate_limited", "message": RATE_LIMITED_MESSAGE, "details": []}}
)


def error_responses(*statuses):
    """The OpenAPI ``responses`` of these REST error statuses: each route documents those it can give."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


# what any authenticated call can answer: bad token, scope or consent, invalid input, rate limit
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


def _error_response(description, code, message, details=()):
    example = {"error": {"code": code, "message": message, "details": list(details)}}
    return {"model": ErrorBody, "description": description, "content": {"application/json": {"example": example}}}


def error_response(description, examples):
    """An OpenAPI response with several named examples: {name: (code, message, more members of the error)}."""
    return {
        "model": ErrorBody,
        "description": description,
        "content": {
            "application/json": {
                "examples": {
                    name: {"value": {"error": dict({"code": code, "message": message, "details": []}, **extra)}}
                    for name, (code, message, extra) in examples.items()
                }
            }
        },
    }


GONE_RESPONSE = _error_response(
    "Archived: the registrant was archived (DELETE) on the date given",
    "gone",
    "Individual 1b4e28ba-2fa1-11d2-883f-0016d3cca427 was archived on 2025-03-01T09:30:00Z.",
    [{"field": "archived_at", "message": "2025-03-01T09:30:00Z", "type": "archived"}],
)
PRECONDITION_RESPONSES = {
    412: _error_response(
        "If-Match does not name the current version: read the resource again",
        "precondition_failed",
        f"The resource changed since it was read: its current ETag is {ETAG_EXAMPLE}.",
        [{"field": "If-Match", "message": ETAG_EXAMPLE, "type": "etag_mismatch"}],
    ),
    428: _error_response(
        "This client must send If-Match on writes",
        "precondition_required",
        "This client must send If-Match with the ETag of its last read of the resource.",
        [{"field": "If-Match", "message": "required for this client", "type": "missing"}],
    ),
}


def versioned_responses(status=200, gone=False, write=False):
    """OpenAPI ``responses`` of a single-resource route: the ETag header on success, 410 for
    registrants, 412/428 for writes."""
    responses = {status: {"headers": ETAG_HEADERS}}
    if gone:
        responses[410] = GONE_RESPONSE
    if write:
        responses.update(PRECONDITION_RESPONSES)
    return responses


def _contains_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


def _not_blank(value):
    if isinstance(value, str) and value and not value.strip():
        raise PydanticCustomError("string_blank", "must not be only whitespace")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value):
    # pydantic would also take a number (seconds since 1970) or a date-time: a birth date is sent as written
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "must be a date written YYYY-MM-DD")


# Text that is refused, not stored blank, when it holds only whitespace
NotBlankText = Annotated[str, AfterValidator(_not_blank)]
# A date as written on the wire (YYYY-MM-DD), nothing converted into one
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class ApiModel(StrictExtendableBaseModel):
    """Base of the wire models: unknown fields are refused in what a client sends, while the
    OpenAPI of answers leaves them open (no ``additionalProperties: false`` on responses), so
    clients generated from it keep working when a later version answers more fields."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        json_schema = handler(core_schema)
        if handler.mode == "serialization":
            handler.resolve_ref_schema(json_schema).pop("additionalProperties", None)
        return json_schema


class WireModel(ApiModel):
    """Base of the wire models: text with NUL characters (which PostgreSQL cannot store) is refused."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data):
        if _contains_nul(data):
            raise ValueError("NUL characters are not allowed")
        return data


class Identifier(WireModel):
    system: str = Field(min_length=1, max_length=256, examples=["urn:g2p:id:national-id"])
    value: str = Field(min_length=1, max_length=128, examples=["100007919"])

    @staticmethod
    def orm_paths(prefix):
        """Field paths ``g2p.reg.id._to_wire`` reads, under the one2many ``prefix``."""
        return (f"{prefix}.value", f"{prefix}.id_type_id.namespace_uri")


class Coding(WireModel):
    system: str = Field(min_length=1, max_length=256, examples=["urn:g2p:vocab:gender"])
    code: str = Field(min_length=1, max_length=64, examples=["female"])
    display: str | None = None

    @classmethod
    def from_record(cls, code_record):
        return cls(**code_record._to_wire()) if code_record else None

    @staticmethod
    def orm_paths(prefix):
        """Field paths ``g2p.vocabulary.code._to_wire`` reads, under the relational field ``prefix``."""
        return tuple(f"{prefix}.{name}" for name in ("namespace_uri", "code", "display"))


class Address(WireModel):
    street: str | None = None
    city: str | None = None
    zip: str | None = None
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 country code in upper case: alpha-2 (answered), or alpha-3 when writing "
        "(stored as its alpha-2 code); anything else is refused",
        examples=["MW"],
    )

    ORM_PATHS: ClassVar[tuple[str, ...]] = ("street", "city", "zip", "country_id.code")


class Provenance(ApiModel):
    """Which partner system created and last changed the record through the APIs."""

    created_by: str | None = Field(default=None, description="client_id of the API client")
    created_from: str | None = Field(default=None, description="Source system")
    updated_by: str | None = None
    updated_from: str | None = None
    updated_at: str | None = None

    ORM_PATHS: ClassVar[tuple[str, ...]] = (
        "source_client_id.client_id",
        "source_system",
        "last_source_client_id.client_id",
        "last_source_system",
        "last_source_date",
    )

    @classmethod
    def prefetch(cls, records):
        """What ``from_record`` reads of ``records``, fetched for all of them at once."""
        prefetch_paths(records.sudo(), cls.ORM_PATHS)

    @classmethod
    def from_record(cls, record):
        # client ids are not personal data; the API's technical user may not read clients
        record = record.sudo()
        return cls(
            created_by=record.source_client_id.client_id or None,
            created_from=record.source_system or None,
            updated_by=record.last_source_client_id.client_id or None,
            updated_from=record.last_source_system or None,
            updated_at=utc_iso(record.last_source_date),
        )


def utc_iso(value):
    """An Odoo (naive UTC) datetime as on the wire: ISO 8601 with Z."""
    return value.isoformat() + "Z" if value else None


# res.partner fields ``archive_values`` reads
ARCHIVE_PATHS = ("archived_at", "archive_reason")


def archive_values(registrant):
    """The archive fields of a registrant's wire form."""
    return {"archived_at": utc_iso(registrant.archived_at), "archive_reason": registrant.archive_reason or None}


class ArchiveRequest(WireModel):
    """Body of DELETE (or send the reason in the X-Reason header)."""

    reason: str = Field(min_length=1, max_length=256, examples=["Deceased (death certificate 2024/118)"])


def optional_body(model):
    """A request body the client may leave out; give the parameter the default ``None``. Not
    ``model | None``: generated clients send their "unset" marker as the JSON of a nullable body."""
    return Annotated[model, Body()]


class RegistrantWire:
    """Loading of registrant schemas: ``orm_paths()`` (the res.partner field paths a schema's
    ``from_record`` reads) fetched for a whole page in a fixed number of queries."""

    @classmethod
    def orm_paths(cls):
        return ()

    @classmethod
    def fetch_fields(cls):
        """Fields of res.partner to ``search_fetch`` with the search itself."""
        return root_fields(cls.orm_paths() + Provenance.ORM_PATHS)

    @classmethod
    def prefetch(cls, partners):
        """Load what ``from_record`` reads of ``partners`` in a fixed number of queries."""
        prefetch_paths(partners, cls.orm_paths())
        Provenance.prefetch(partners)
        return partners


class Page(ApiModel, Generic[T]):
    total: int = Field(description="Number of matching records the caller may see")
    page: int
    page_size: int
    items: list[T]

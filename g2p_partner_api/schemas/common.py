import functools
import re
from datetime import date
from typing import Annotated, ClassVar, Generic, TypeVar

from extendable.exceptions import RegistryNotInitializedError
from extendable_pydantic import StrictExtendableBaseModel
from fastapi import Body, Header, Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from ..services import problem_details
from ..services.orm_prefetch import prefetch_paths, root_fields

T = TypeVar("T")

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Every resource is addressed by its uuid; anything else is refused (422) before reaching the database.
UuidPath = Annotated[str, Path(pattern=UUID_PATTERN, description="uuid of the resource")]
IncludeArchived = Annotated[bool, Query(description="List archived registrants too (see archived_at)")]
IfNoneMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description="ETag of the caller's copy: answered 304 Not Modified, without a body, while it is current",
    ),
]
ReasonHeader = Annotated[
    str | None,
    Header(alias="X-Reason", max_length=256, description='Why it is archived (or send {"reason": ...} as the body)'),
]


class PingResponse(BaseModel):
    status: str = Field(examples=["ok"])


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
        (403, "Scope missing, or the registrant's consent does not cover this access"),
        (404, "No such resource (or not visible to this client)"),
        (409, "Duplicate identifier or state conflict"),
        (422, "Invalid body or query: unknown code, identifier system or field"),
    )
}
ERROR_RESPONSES[429] = rate_limited_response(ErrorBody, problem_example(429, "rate_limited", RATE_LIMITED_MESSAGE))


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


READ_ONLY_DOC = (
    "Read-only: accepted when equal to the current value (a resource as read can be PUT back), "
    "else refused (422 naming the field)"
)


def read_only(**kwargs):
    """A field of a write body that only echoes what a read answered (``services.resource_version.check_read_only``)."""
    return Field(None, description=READ_ONLY_DOC, **kwargs)


def assembled(schema):
    """``schema`` with every extension addons made of it, as ``extendable`` calls it: its class
    methods called on that class skip the check of their arguments against the signature that
    ``extendable`` makes on every call of the original class (a third of rendering a registrant).
    Outside a request (no registry of extensions), ``schema`` itself, as ``extendable`` does."""
    try:
        return schema._get_assembled_cls()
    except (RegistryNotInitializedError, KeyError):
        return schema


IMMUTABLE_DEFAULTS = (type(None), str, int, float, bool, tuple, frozenset, type)


@functools.cache
def _construction(cls):
    """What ``model_construct`` works out again for every instance of ``cls``: (constant defaults of the
    fields, fields whose default is made per instance, private attributes' defaults); None when ``cls``
    has a ``model_post_init`` of its own (then ``model_construct`` itself must run)."""
    if cls.__pydantic_post_init__ and cls.model_post_init.__name__ != "init_private_attributes":
        return None
    private = {name: attr.get_default() for name, attr in cls.__private_attributes__.items()}
    if not all(isinstance(value, IMMUTABLE_DEFAULTS) for value in private.values()):
        return None
    constant, per_instance = {}, []
    for name, field in cls.model_fields.items():
        if field.is_required():
            continue
        if field.default_factory is None and isinstance(field.default, IMMUTABLE_DEFAULTS):
            constant[name] = field.default
        else:
            per_instance.append((name, field))
    return constant, per_instance, private


def trusted(schema, **values):
    """An answer's ``schema`` (as extended) made of values read from the database, not validated. The wire
    models revalidate every model given to them (``revalidate_instances``): validated, a registrant was built
    once per level of nesting, which was most of rendering a page or a bulk lookup. What a client sends is
    always validated; only answers are built this way.

    The instance is what ``model_construct`` makes, without its per-call work (the fields' defaults
    deep-copied and the private attributes set up by a chain of wrappers were half of building a bulk
    lookup's answer): the defaults and private attributes of each class are worked out once."""
    cls = assembled(schema)
    construction = _construction(cls)
    if construction is None or not values.keys() <= cls.model_fields.keys():
        return cls.model_construct(**values)
    constant, per_instance, private = construction
    fields_values = {**constant, **values}
    for name, field in per_instance:
        if name not in values:
            fields_values[name] = field.get_default(call_default_factory=True, validated_data=fields_values)
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", fields_values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", dict(private) if private else None)
    return instance


class Identifier(WireModel):
    system: str = Field(min_length=1, max_length=256, examples=["urn:g2p:id:national-id"])
    value: str = Field(min_length=1, max_length=128, examples=["100007919"])

    @classmethod
    def from_records(cls, reg_ids):
        return [trusted(cls, **reg_id._to_wire()) for reg_id in reg_ids]

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
        return trusted(cls, **code_record._to_wire()) if code_record else None

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

    @classmethod
    def from_record(cls, partner):
        return trusted(
            cls,
            street=partner.street or None,
            city=partner.city or None,
            zip=partner.zip or None,
            country=partner.country_id.code or None,
        )


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
        return trusted(
            cls,
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


PAGE_RESPONSES = {
    200: {
        "headers": {
            "Link": {
                "description": "RFC 8288 links of the page: the same self, next and prev as the body's links",
                "schema": {
                    "type": "string",
                    "example": '</api/v2/Individual?_sort=name>; rel="self", '
                    '</api/v2/Individual?_sort=name&_cursor=gAAAAABn...>; rel="next"',
                },
            }
        }
    },
    400: {"model": ErrorBody, "description": "Unknown _sort, or a _cursor this API did not give"},
}


class PageLinks(BaseModel):
    """Addresses of this page and its neighbours (also in the ``Link`` header, RFC 8288); ``next``
    and ``prev`` are absent on the last and first page."""

    self: str = Field(examples=["/api/v2/Individual?_sort=name"])
    next: str | None = Field(None, examples=["/api/v2/Individual?_sort=name&_cursor=gAAAAABn..."])
    prev: str | None = None

    @model_serializer(mode="wrap")
    def _without_absent(self, handler):
        return {rel: url for rel, url in handler(self).items() if url is not None}


class Page(ApiModel, Generic[T]):
    total: int = Field(description="Number of matching records the caller may see")
    page: int = Field(description="Number of this page, counted from the first along the links followed")
    page_size: int
    items: list[T]
    links: PageLinks = Field(description="Follow next to visit every record once, whatever is added meanwhile")

    @classmethod
    def of(cls, paging, total, items):
        """The page ``paging`` (``services.paging.PageRequest``) answered, ``items`` its records' wire forms."""
        return cls(total=total, page=paging.number, page_size=paging.page_size, items=items, links=paging.links)

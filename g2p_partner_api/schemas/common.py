from typing import Annotated, ClassVar, Generic, TypeVar

from extendable_pydantic import StrictExtendableBaseModel
from fastapi import Path
from pydantic import BaseModel, Field, model_validator

from ..services.orm_prefetch import prefetch_paths, root_fields

T = TypeVar("T")

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Every resource is addressed by its uuid; anything else is refused (422) before reaching the database.
UuidPath = Annotated[str, Path(pattern=UUID_PATTERN, description="uuid of the resource")]


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


class ErrorBody(BaseModel):
    """Every error of the REST API has this shape."""

    error: ErrorInfo


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


def _contains_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


class WireModel(StrictExtendableBaseModel):
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
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code", examples=["MW"])

    ORM_PATHS: ClassVar[tuple[str, ...]] = ("street", "city", "zip", "country_id.code")


class Provenance(StrictExtendableBaseModel):
    """Which partner system created and last changed the record through the APIs."""

    created_by: str | None = Field(default=None, description="client_id of the API client")
    created_from: str | None = Field(default=None, description="Source system")
    updated_by: str | None = None
    updated_from: str | None = None
    updated_at: str | None = None

    ORM_PATHS: ClassVar[tuple[str, ...]] = (
        "source_client_id.client_id", "source_system", "last_source_client_id.client_id", "last_source_system",
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
            updated_at=record.last_source_date.isoformat() + "Z" if record.last_source_date else None,
        )


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


class Page(StrictExtendableBaseModel, Generic[T]):
    total: int = Field(description="Number of matching records the caller may see")
    page: int
    page_size: int
    items: list[T]


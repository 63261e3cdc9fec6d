"""Wire parts of registrants (and of other resources): identifiers, codings, address, provenance, archive."""

from typing import ClassVar

from pydantic import Field

from ..services.orm_prefetch import prefetch_lines_at_once, prefetch_paths, root_fields
from .base import ApiModel, WireModel, trusted, utc_iso


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


# res.partner fields ``archive_values`` reads
ARCHIVE_PATHS = ("archived_at", "archive_reason")


def archive_values(registrant):
    """The archive fields of a registrant's wire form."""
    return {"archived_at": utc_iso(registrant.archived_at), "archive_reason": registrant.archive_reason or None}


class ArchiveRequest(WireModel):
    """Body of DELETE (or send the reason in the X-Reason header)."""

    reason: str = Field(min_length=1, max_length=256, examples=["Deceased (death certificate 2024/118)"])


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
    def prefetch(cls, partners, also=None):
        """Load what ``from_record`` reads of ``partners`` in a fixed number of queries (their lines, the lines'
        targets and kinds in one, and ``also``: a ``RelatedSearch`` of the registrants they name)."""
        prefetch_lines_at_once(partners, cls.orm_paths(), also)
        Provenance.prefetch(partners)
        return partners

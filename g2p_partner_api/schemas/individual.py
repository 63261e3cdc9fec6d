from datetime import date
from typing import ClassVar

from pydantic import Field

from .base import ApiModel, NotBlankText, WireModel, assembled, read_only, trusted
from .registrant_parts import ARCHIVE_PATHS, Address, Coding, Identifier, Provenance, RegistrantWire, archive_values
from .registry_checks import BirthDate, GenderCode, KnownAddress, KnownIdentifiers


class GroupRef(ApiModel):
    group: str = Field(description="uuid of the group")
    kinds: list[Coding] = []


class Individual(RegistrantWire, ApiModel):
    """An individual registrant as partners see it. Extend with ``class X(Individual, extends=True)`` (then
    its answers are built by ``from_record``, not from values: ``registrant_values.is_plain``)."""

    uuid: str
    active: bool = True
    name: str
    given_name: str | None = None
    family_name: str | None = None
    addl_name: str | None = None
    birthdate: date | None = None
    gender: Coding | None = None
    identifiers: list[Identifier] = []
    address: Address | None = None
    groups: list[GroupRef] = []
    archived_at: str | None = Field(
        default=None, description="When it was archived, UTC (archived ones are only listed with include_archived=true)"
    )
    archive_reason: str | None = None
    provenance: Provenance | None = None

    @classmethod
    def orm_paths(cls):
        """The res.partner field paths ``from_record`` reads (provenance apart): an extension
        that reads more adds its paths, so pages keep loading in a fixed number of queries. The groups are
        not among them: the rules may hide one, and ``registry_service.visible_groups`` reads the uuids of
        those the caller may read."""
        return (
            "uuid",
            "active",
            *ARCHIVE_PATHS,
            "name",
            "given_name",
            "family_name",
            "addl_name",
            "birthdate",
            *Coding.orm_paths("gender_id"),
            *Identifier.orm_paths("reg_id_ids"),
            *Address.ORM_PATHS,
            "group_membership_ids.end_date",
            "group_membership_ids.group_id",
            *Coding.orm_paths("group_membership_ids.kind_ids"),
        )

    @classmethod
    def from_record(cls, partner, visible_groups):
        """``partner``'s wire form; its ``groups`` are those among ``visible_groups`` (the res.partner the caller
        may read: ``registry_service.visible_groups``): a membership of any other group is left out as if it
        were not there, and that group is never read."""
        coding, provenance = assembled(Coding).from_record, assembled(Provenance).from_record
        return trusted(
            cls,
            uuid=partner.uuid,
            active=partner.active,
            name=partner.name,
            given_name=partner.given_name or None,
            family_name=partner.family_name or None,
            addl_name=partner.addl_name or None,
            birthdate=partner.birthdate or None,
            gender=coding(partner.gender_id),
            identifiers=assembled(Identifier).from_records(partner.reg_id_ids),
            address=assembled(Address).from_record(partner),
            groups=[
                trusted(GroupRef, group=m.group_id.uuid, kinds=[coding(k) for k in m.kind_ids])
                for m in partner.group_membership_ids._open_today()
                if m.group_id in visible_groups
            ],
            **archive_values(partner),
            provenance=provenance(partner),
        )


class IndividualWrite(WireModel):
    """Body of POST and PUT: a full individual. PUT replaces every field (absent = cleared); what only a
    read answers may be sent back unchanged."""

    READ_ONLY: ClassVar[tuple[str, ...]] = (
        "uuid",
        "active",
        "name",
        "groups",
        "archived_at",
        "archive_reason",
        "provenance",
    )

    given_name: NotBlankText = Field(min_length=1, max_length=128)
    family_name: NotBlankText | None = Field(default=None, max_length=128)
    addl_name: NotBlankText | None = Field(default=None, max_length=128)
    birthdate: BirthDate | None = None
    gender: GenderCode | None = None
    identifiers: KnownIdentifiers = Field(default=[], max_length=20)
    address: KnownAddress | None = None
    uuid: str | None = read_only(max_length=64)
    active: bool | None = read_only()
    name: str | None = read_only(max_length=512)
    groups: list[GroupRef] | None = read_only(max_length=100)
    archived_at: str | None = read_only(max_length=64)
    archive_reason: str | None = read_only(max_length=256)
    provenance: Provenance | None = read_only()


class IndividualCreate(IndividualWrite):
    """Body of POST: a full individual, and what a registration may carry beside it (addons extend it:
    g2p_api_consent adds the registrant's ``consent`` for a registering agent)."""


class IndividualPatch(WireModel):
    """Body of PATCH: only the fields sent are changed; ``identifiers``, when sent, replaces the list."""

    given_name: NotBlankText | None = Field(default=None, min_length=1, max_length=128)
    family_name: NotBlankText | None = Field(default=None, max_length=128)
    addl_name: NotBlankText | None = Field(default=None, max_length=128)
    birthdate: BirthDate | None = None
    gender: GenderCode | None = None
    identifiers: KnownIdentifiers | None = Field(default=None, max_length=20)
    address: KnownAddress | None = None

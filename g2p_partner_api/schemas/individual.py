from datetime import date

from pydantic import Field

from .common import (
    ARCHIVE_PATHS,
    Address,
    ApiModel,
    Coding,
    Identifier,
    IsoDate,
    NotBlankText,
    Provenance,
    RegistrantWire,
    WireModel,
    archive_values,
)


class GroupRef(ApiModel):
    group: str = Field(description="uuid of the group")
    kinds: list[Coding] = []


class Individual(RegistrantWire, ApiModel):
    """An individual registrant as partners see it. Extend with ``class X(Individual, extends=True)``."""

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
        that reads more adds its paths, so pages keep loading in a fixed number of queries."""
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
            "group_membership_ids.is_ended",
            "group_membership_ids.group_id.uuid",
            *Coding.orm_paths("group_membership_ids.kind_ids"),
        )

    @classmethod
    def from_records(cls, partners):
        return [cls.from_record(partner) for partner in cls.prefetch(partners)]

    @classmethod
    def from_record(cls, partner):
        return cls(
            uuid=partner.uuid,
            active=partner.active,
            name=partner.name,
            given_name=partner.given_name or None,
            family_name=partner.family_name or None,
            addl_name=partner.addl_name or None,
            birthdate=partner.birthdate or None,
            gender=Coding.from_record(partner.gender_id),
            identifiers=[Identifier(**reg_id._to_wire()) for reg_id in partner.reg_id_ids],
            address=Address(
                street=partner.street or None,
                city=partner.city or None,
                zip=partner.zip or None,
                country=partner.country_id.code or None,
            ),
            groups=[
                GroupRef(group=m.group_id.uuid, kinds=[Coding.from_record(k) for k in m.kind_ids])
                for m in partner.group_membership_ids
                if not m.is_ended
            ],
            **archive_values(partner),
            provenance=Provenance.from_record(partner),
        )

    def keep_groups(self, visible_groups):
        """Leave out the groups the caller may not read (``visible_groups``: the res.partner it may read)."""
        uuids = set(visible_groups.mapped("uuid"))
        self.groups = [ref for ref in self.groups if ref.group in uuids]
        return self


class IndividualWrite(WireModel):
    """Body of POST and PUT: a full individual. PUT replaces every field (absent = cleared)."""

    given_name: NotBlankText = Field(min_length=1, max_length=128)
    family_name: NotBlankText | None = Field(default=None, max_length=128)
    addl_name: NotBlankText | None = Field(default=None, max_length=128)
    birthdate: IsoDate | None = None
    gender: Coding | None = None
    identifiers: list[Identifier] = Field(default=[], max_length=20)
    address: Address | None = None


class IndividualPatch(WireModel):
    """Body of PATCH: only the fields sent are changed; ``identifiers``, when sent, replaces the list."""

    given_name: NotBlankText | None = Field(default=None, min_length=1, max_length=128)
    family_name: NotBlankText | None = Field(default=None, max_length=128)
    addl_name: NotBlankText | None = Field(default=None, max_length=128)
    birthdate: IsoDate | None = None
    gender: Coding | None = None
    identifiers: list[Identifier] | None = Field(default=None, max_length=20)
    address: Address | None = None

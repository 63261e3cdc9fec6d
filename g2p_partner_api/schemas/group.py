from datetime import date
from typing import ClassVar

from pydantic import Field, model_validator

from .base import ApiModel, IsoDate, NotBlankText, WireModel, assembled, read_only, trusted
from .individual import IndividualCreate
from .registrant_parts import ARCHIVE_PATHS, Address, Coding, Identifier, Provenance, RegistrantWire, archive_values
from .registry_checks import KnownAddress, KnownIdentifiers, MembershipKind


class GroupMember(ApiModel):
    individual: str = Field(description="uuid of the individual")
    name: str | None = None
    kinds: list[Coding] = []
    start_date: date | None = None
    end_date: date | None = None

    @staticmethod
    def member_values(membership):
        """The fields of a ``g2p.group.membership`` every member shape shows (who, in which roles, when)."""
        coding = assembled(Coding).from_record
        return {
            "individual": membership.individual_id.uuid,
            "name": membership.individual_id.name,
            "kinds": [coding(k) for k in membership.kind_ids],
            "start_date": membership.start_date or None,
            "end_date": membership.end_date or None,
        }


class Group(RegistrantWire, ApiModel):
    """A group (household) with the members the caller may see."""

    uuid: str
    active: bool = True
    name: str
    identifiers: list[Identifier] = []
    address: Address | None = None
    members: list[GroupMember] = []
    archived_at: str | None = Field(
        default=None, description="When it was archived, UTC (archived ones are only listed with include_archived=true)"
    )
    archive_reason: str | None = None
    provenance: Provenance | None = None

    @classmethod
    def orm_paths(cls):
        """The res.partner field paths ``from_record`` reads (provenance apart); see ``Individual.orm_paths``. The
        members' own fields are not among them: ``registry_service.visible_members`` reads those of the members
        the caller may read."""
        members = "group_member_ids"
        return (
            "uuid",
            "active",
            *ARCHIVE_PATHS,
            "name",
            *Identifier.orm_paths("reg_id_ids"),
            *Address.ORM_PATHS,
            f"{members}.individual_id",
            f"{members}.start_date",
            f"{members}.end_date",
            *Coding.orm_paths(f"{members}.kind_ids"),
        )

    @classmethod
    def from_record(cls, group, visible_members):
        """``group``'s wire form; its ``members`` are those among ``visible_members`` (the res.partner the caller
        may read: ``registry_service.visible_members``), any other never read."""
        return trusted(
            cls,
            uuid=group.uuid,
            active=group.active,
            name=group.name,
            identifiers=assembled(Identifier).from_records(group.reg_id_ids),
            address=assembled(Address).from_record(group),
            members=[
                trusted(GroupMember, **GroupMember.member_values(m))
                for m in group.group_member_ids
                if m.individual_id in visible_members
            ],
            **archive_values(group),
            provenance=assembled(Provenance).from_record(group),
        )


class MemberGiven(WireModel):
    """A member as a write names it: an individual already registered (``individual``, its uuid) or a new one
    registered with the membership (``new_individual``, the body of ``POST /Individual``), in some roles."""

    individual: str | None = Field(default=None, max_length=64, description="uuid of a registered individual")
    new_individual: IndividualCreate | None = Field(
        default=None,
        description="a new individual, registered as POST /Individual registers one (needs individual:write; "
        "409 duplicate when one of its identifiers is taken)",
    )
    kinds: list[MembershipKind] = Field(default=[], max_length=10, description="the member's roles in the group")
    start_date: IsoDate | None = Field(default=None, description="first day of the membership (default today)")

    @model_validator(mode="after")
    def _one_member(self):
        if (self.individual is None) == (self.new_individual is None):
            raise ValueError("give either individual (a registered individual's uuid) or new_individual, not both")
        return self


class GroupMemberWrite(MemberGiven):
    kinds: list[MembershipKind] = Field(
        default=[],
        max_length=10,
        description="the member's roles in the group. The head is given when the household is registered (POST); "
        "in an existing household only its current head keeps the kind head (it may be taken away): the head of "
        "an existing household is set by registry staff (or by an ingested household, once reviewed), and giving "
        "it to anyone else is refused (422 head_set_by_registry), whatever the household holds",
    )
    end_date: IsoDate | None = Field(
        default=None,
        description="the day the membership ends (from that day on it is not open), to end an open one: today or "
        "before (a later date is refused, 422 out_of_range, as by POST /Group/{uuid}/members/{individual}/end), or "
        "the end date it holds, sent back as read. An ended membership is sent back with the dates it holds (its "
        "start_date and end_date); another end date is refused (422 membership_ended): an ended membership is "
        "never reopened nor moved",
    )
    name: str | None = read_only(max_length=512)


class GroupWrite(WireModel):
    """Body of POST and PUT: PUT replaces every field, and ``members`` replaces the membership list; what
    only a read answers may be sent back unchanged."""

    READ_ONLY: ClassVar[tuple[str, ...]] = ("uuid", "active", "archived_at", "archive_reason", "provenance")

    name: NotBlankText = Field(min_length=1, max_length=256)
    identifiers: KnownIdentifiers = Field(default=[], max_length=20)
    address: KnownAddress | None = None
    members: list[GroupMemberWrite] = Field(default=[], max_length=100)
    uuid: str | None = read_only(max_length=64)
    active: bool | None = read_only()
    archived_at: str | None = read_only(max_length=64)
    archive_reason: str | None = read_only(max_length=256)
    provenance: Provenance | None = read_only()


class GroupCreate(GroupWrite):
    """Body of POST: a full group, and what a registration may carry beside it (see ``IndividualCreate``)."""


class GroupPatch(WireModel):
    name: NotBlankText | None = Field(default=None, min_length=1, max_length=256)
    identifiers: KnownIdentifiers | None = Field(default=None, max_length=20)
    address: KnownAddress | None = None
    members: list[GroupMemberWrite] | None = Field(default=None, max_length=100)

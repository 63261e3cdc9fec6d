"""Wire shapes of one household change at a time: a member added, a membership ended, the history."""

from pydantic import Field

from .base import IsoDate, NotBlankText, WireModel, assembled, trusted
from .group import GroupMember, MemberGiven
from .registrant_parts import Provenance
from .registry_checks import MembershipKind


class GroupMemberAdd(MemberGiven):
    """Body of ``POST /Group/{uuid}/members``: one member, either an individual already registered (``individual``,
    its uuid) or a new one registered with it (``new_individual``, the body of ``POST /Individual``)."""

    kinds: list[MembershipKind] = Field(
        default=[],
        max_length=10,
        description="the member's roles in the group, never head: the head of an existing household is set by "
        "registry staff (or by an ingested household, once reviewed); the kind head is refused (422 "
        "head_set_by_registry), whatever the household holds",
    )


class MembershipEnd(WireModel):
    """Body of ``POST /Group/{uuid}/members/{individual}/end``."""

    end_date: IsoDate = Field(
        description="the day the membership ends (from that day on it is not open): today or before"
    )
    reason: NotBlankText = Field(min_length=1, max_length=256, examples=["Moved to another household"])


class MembershipPeriod(GroupMember):
    """One membership of the group: who, in which roles, from when to when (open while ``end_date`` is empty)."""

    end_reason: str | None = None
    provenance: Provenance | None = None

    @classmethod
    def from_record(cls, membership):
        return trusted(
            cls,
            **cls.member_values(membership),
            end_reason=membership.end_reason or None,
            provenance=assembled(Provenance).from_record(membership),
        )

"""Wire shapes of one household change at a time: a member added, a membership ended, the history."""

from datetime import date

from pydantic import Field

from .base import ApiModel, IsoDate, NotBlankText, WireModel, assembled, trusted
from .group import MemberGiven
from .registrant_parts import Coding, Provenance


class GroupMemberAdd(MemberGiven):
    """Body of ``POST /Group/{uuid}/members``: one member, either an individual already registered (``individual``,
    its uuid) or a new one registered with it (``new_individual``, the body of ``POST /Individual``)."""


class MembershipEnd(WireModel):
    """Body of ``POST /Group/{uuid}/members/{individual}/end``."""

    end_date: IsoDate = Field(description="last day of the membership: today or before")
    reason: NotBlankText = Field(min_length=1, max_length=256, examples=["Moved to another household"])


class MembershipPeriod(ApiModel):
    """One membership of the group: who, in which roles, from when to when (open while ``end_date`` is empty)."""

    individual: str = Field(description="uuid of the individual")
    name: str | None = None
    kinds: list[Coding] = []
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str | None = None
    provenance: Provenance | None = None

    @classmethod
    def from_record(cls, membership):
        coding = assembled(Coding).from_record
        return trusted(
            cls,
            individual=membership.individual_id.uuid,
            name=membership.individual_id.name,
            kinds=[coding(k) for k in membership.kind_ids],
            start_date=membership.start_date or None,
            end_date=membership.end_date or None,
            end_reason=membership.end_reason or None,
            provenance=assembled(Provenance).from_record(membership),
        )

"""Wire shapes of one household change at a time: a member added, a membership ended, the history."""

from datetime import date

from pydantic import Field, model_validator

from .common import ApiModel, Coding, IsoDate, NotBlankText, Provenance, WireModel, assembled, trusted
from .individual import IndividualCreate
from .registry_checks import MembershipKind


class GroupMemberAdd(WireModel):
    """Body of ``POST /Group/{uuid}/members``: one member, either an individual already registered (``individual``,
    its uuid) or a new one registered with it (``new_individual``, the body of ``POST /Individual``)."""

    individual: str | None = Field(default=None, max_length=64, description="uuid of a registered individual")
    new_individual: IndividualCreate | None = Field(
        default=None, description="a new individual, registered as POST /Individual would (needs individual:write)"
    )
    kinds: list[MembershipKind] = Field(default=[], max_length=10, description="the member's roles in the group")
    start_date: IsoDate | None = Field(default=None, description="first day of the membership (default today)")

    @model_validator(mode="after")
    def _one_member(self):
        if (self.individual is None) == (self.new_individual is None):
            raise ValueError("give either individual (a registered individual's uuid) or new_individual, not both")
        return self


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

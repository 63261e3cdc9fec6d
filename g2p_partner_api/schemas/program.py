from datetime import date
from typing import ClassVar, Literal

from pydantic import Field, StrictBool

from .base import ApiModel, NotBlankText, WireModel, read_only
from .registrant_parts import Provenance

MembershipState = Literal["draft", "enrolled", "paused", "exited", "not_eligible"]


class Program(ApiModel):
    uuid: str
    name: str
    description: str | None = None
    target_type: Literal["individual", "group"]
    state: Literal["draft", "active", "ended"]

    @classmethod
    def from_record(cls, program):
        return cls(
            uuid=program.uuid,
            name=program.name,
            description=program.description or None,
            target_type=program.target_type,
            state=program.state,
        )


class ProgramMembership(ApiModel):
    uuid: str
    program: str = Field(description="uuid of the programme")
    registrant: str = Field(description="uuid of the individual or group")
    registrant_type: Literal["individual", "group"]
    state: MembershipState
    enrollment_date: date | None = None
    exit_date: date | None = None
    exit_reason: str | None = None
    provenance: Provenance | None = None

    @classmethod
    def from_record(cls, membership):
        return cls(
            uuid=membership.uuid,
            program=membership.program_id.uuid,
            registrant=membership.partner_id.uuid,
            registrant_type="group" if membership.partner_id.is_group else "individual",
            state=membership.state,
            enrollment_date=membership.enrollment_date or None,
            exit_date=membership.exit_date or None,
            exit_reason=membership.exit_reason or None,
            provenance=Provenance.from_record(membership),
        )


class ProgramMembershipCreate(WireModel):
    program: str = Field(description="uuid of the programme")
    registrant: str = Field(description="uuid of the individual or group")
    # a JSON boolean only: a string or a number is refused, not interpreted
    enrol: StrictBool = Field(default=False, description="Enrol at once instead of leaving the membership in draft")


class ProgramMembershipUpdate(WireModel):
    """PUT/PATCH: the state to move to (through the allowed transitions) and the exit reason; what only
    a read answers may be sent back unchanged."""

    READ_ONLY: ClassVar[tuple[str, ...]] = (
        "uuid",
        "program",
        "registrant",
        "registrant_type",
        "enrollment_date",
        "exit_date",
        "provenance",
    )

    state: MembershipState | None = None
    exit_reason: NotBlankText | None = Field(default=None, max_length=256)
    uuid: str | None = read_only(max_length=64)
    program: str | None = read_only(max_length=64)
    registrant: str | None = read_only(max_length=64)
    registrant_type: Literal["individual", "group"] | None = read_only()
    enrollment_date: date | None = read_only()
    exit_date: date | None = read_only()
    provenance: Provenance | None = read_only()


class ExitRequest(WireModel):
    reason: NotBlankText | None = Field(default=None, max_length=256)

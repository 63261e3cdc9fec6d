"""The canonical registrant JSON a data model's transformation template must produce.

What cannot be stored exactly as given is refused, never adjusted: blank names, dates not written
YYYY-MM-DD, unknown keys. Codes (gender, kinds, ID types, country) are checked against the register
by ``G2PIngestRaw._check_references``.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from odoo.addons.g2p_partner_api.schemas.base import IsoDate, NotBlankText


class CanonicalIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str = Field(min_length=1)
    value: NotBlankText = Field(min_length=1)


class CanonicalIndividual(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_name: NotBlankText = Field(min_length=1)
    family_name: NotBlankText | None = None
    addl_name: NotBlankText | None = None
    birthdate: IsoDate | None = None
    gender: str | None = Field(default=None, description="code of urn:g2p:vocab:gender")
    identifiers: list[CanonicalIdentifier] = []
    city: NotBlankText | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 or alpha-3 code, upper case")
    kinds: list[str] = Field(default=[], description="membership kinds, for members of a group")


class CanonicalConsent(BaseModel):
    """The registrant's consent to share data with the sending client (a registering agent), given at registration."""

    model_config = ConfigDict(extra="forbid")
    scopes: list[str] = Field(min_length=1, description="read scopes the sending client holds")
    evidence_reference: NotBlankText = Field(min_length=1, max_length=256)
    given_on: IsoDate | None = None


class CanonicalRegistrant(CanonicalIndividual):
    """An individual an item registers or updates: with the registrant's consent, from a registering agent."""

    consent: CanonicalConsent | None = None

    @field_validator("kinds")
    @classmethod
    def _kinds_are_a_members(cls, kinds):
        # registered on their own, an individual has no membership to give kinds to: they would be dropped
        if kinds:
            raise ValueError("membership kinds are taken only for a member of a group")
        return kinds


class CanonicalMember(CanonicalIndividual):
    """A member of a household, registered with it (or matched by identifier)."""

    start_date: IsoDate | None = Field(default=None, description="first day of the membership")


class CanonicalMemberReference(BaseModel):
    """A member of a household who is a registered individual, named by uuid (the REST ``members[].individual``);
    the sending client must be able to read that individual (checked when the item is transformed)."""

    model_config = ConfigDict(extra="forbid")
    individual: str = Field(min_length=1, max_length=64, description="uuid of a registered individual")
    kinds: list[str] = Field(default=[], description="membership kinds")
    start_date: IsoDate | None = Field(default=None, description="first day of the membership")


def _member_kind(value):
    return "reference" if isinstance(value, dict) and "individual" in value else "member"


# which of the two a member is, told by its "individual" key: its errors are those of that one only
GroupMember = Annotated[
    Annotated[CanonicalMember, Tag("member")] | Annotated[CanonicalMemberReference, Tag("reference")],
    Discriminator(_member_kind),
]
MEMBER_TAGS = frozenset({"member", "reference"})


def plain_loc(loc):
    """A pydantic error's location without the member kind it adds (("members", 0, "member", "given_name") →
    ("members", 0, "given_name")), as partners and reviewers read it."""
    return tuple(part for part in loc if part not in MEMBER_TAGS)


class CanonicalGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: NotBlankText = Field(min_length=1)
    identifiers: list[CanonicalIdentifier] = []
    city: NotBlankText | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 or alpha-3 code, upper case")
    members: list[GroupMember] = Field(default=[], max_length=100)
    consent: CanonicalConsent | None = None

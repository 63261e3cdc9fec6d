"""The canonical registrant JSON a data model's transformation template must produce."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CanonicalIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str = Field(min_length=1)
    value: str = Field(min_length=1)


class CanonicalIndividual(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_name: str = Field(min_length=1)
    family_name: str | None = None
    addl_name: str | None = None
    birthdate: date | None = None
    gender: str | None = Field(default=None, description="code of urn:g2p:vocab:gender")
    identifiers: list[CanonicalIdentifier] = []
    city: str | None = None
    kinds: list[str] = Field(default=[], description="membership kinds, for members of a group")


class CanonicalGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    identifiers: list[CanonicalIdentifier] = []
    city: str | None = None
    members: list[CanonicalIndividual] = Field(default=[], max_length=100)

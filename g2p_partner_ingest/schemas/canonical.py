"""The canonical registrant JSON a data model's transformation template must produce.

What cannot be stored exactly as given is refused, never adjusted: blank names, dates not written
YYYY-MM-DD, unknown keys. Codes (gender, kinds, ID types, country) are checked against the register
by ``G2PIngestRaw._check_references``.
"""

from pydantic import BaseModel, ConfigDict, Field

from odoo.addons.g2p_partner_api.schemas.common import IsoDate, NotBlankText


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


class CanonicalGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: NotBlankText = Field(min_length=1)
    identifiers: list[CanonicalIdentifier] = []
    city: NotBlankText | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 or alpha-3 code, upper case")
    members: list[CanonicalIndividual] = Field(default=[], max_length=100)

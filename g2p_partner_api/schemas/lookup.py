from typing import Literal

from extendable_pydantic import StrictExtendableBaseModel
from pydantic import Field

from .base import WireModel
from .group import Group
from .individual import Individual
from .registrant_parts import Identifier


class LookupRequest(WireModel):
    """Body of ``POST /Individual/$lookup`` and ``POST /Group/$lookup``: at most 1,000 identifiers."""

    identifiers: list[Identifier] = Field(description="Identifiers to look up (at most 1,000; more is a 400)")


class LookupItem(StrictExtendableBaseModel):
    system: str
    value: str
    status: Literal["found", "not_found"] = Field(
        description="not_found also for a registrant this client may not read, or archived"
    )


class IndividualLookupItem(LookupItem):
    individual: Individual | None = None


class GroupLookupItem(LookupItem):
    group: Group | None = None


class IndividualLookup(StrictExtendableBaseModel):
    items: list[IndividualLookupItem] = Field(description="One per identifier sent, in the order sent")


class GroupLookup(StrictExtendableBaseModel):
    items: list[GroupLookupItem] = Field(description="One per identifier sent, in the order sent")

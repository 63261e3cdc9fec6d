"""The registrant's consent a registering agent sends with a create (POST /Individual, POST /Group)."""

from pydantic import Field

from odoo.addons.g2p_partner_api.schemas.base import IsoDate, WireModel
from odoo.addons.g2p_partner_api.schemas.group import GroupCreate
from odoo.addons.g2p_partner_api.schemas.individual import IndividualCreate
from odoo.addons.g2p_partner_api.schemas.registrant_parts import Coding

CONSENT_DOC = (
    "The registrant's consent to share data with the calling client, collected at registration. Accepted only from "
    "a client an administrator marked as registering agent (any other: 403 registering_agent_required, nothing is "
    "created); recorded with the call's provenance, so the agent reads back what it registered."
)


class RegistrationConsent(WireModel):
    scopes: list[str] = Field(
        min_length=1,
        description="Data categories (read scopes the calling client holds) the registrant agrees to share with it",
    )
    evidence_reference: str = Field(min_length=1, max_length=256, description="Where the proof of consent is kept")
    given_on: IsoDate | None = Field(
        default=None,
        description="today or at most g2p_api_consent.max_backdate_days (default 7) days ago; default today",
    )
    purpose: Coding | None = Field(
        default=None, description="a code of urn:g2p:vocab:consent-purpose; default service-delivery"
    )


class IndividualCreateWithConsent(IndividualCreate, extends=True):
    consent: RegistrationConsent | None = Field(default=None, description=CONSENT_DOC)


class GroupCreateWithConsent(GroupCreate, extends=True):
    consent: RegistrationConsent | None = Field(default=None, description=CONSENT_DOC)

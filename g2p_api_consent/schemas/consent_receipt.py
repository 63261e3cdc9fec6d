from datetime import date
from typing import Literal

from pydantic import Field

from odoo.addons.g2p_partner_api.schemas.base import ApiModel
from odoo.addons.g2p_partner_api.schemas.registrant_parts import Coding, Identifier

RECEIPT_FORMATS = Literal["json", "jws"]


class ConsentReceipt(ApiModel):
    """What a registrant agreed to, as the registry certifies it: a programme hands it to the person."""

    consent: str = Field(description="uuid of the consent")
    issuer: str = Field(description="The registry that signed the receipt (the iss of its signature)")
    issued_at: str = Field(description="When the receipt was made (ISO 8601, UTC)")
    registrant: str | None = Field(
        default=None, description="uuid of the registrant, only when the caller may read it (else null)"
    )
    registrant_identifiers: list[Identifier] = Field(
        default_factory=list, description="The registrant's identifiers, only when the caller may read it"
    )
    recipient: str | None = Field(default=None, description="client_id of the recipient; null: any partner")
    recipient_name: str = Field(description="The partner system the data is shared with, in words")
    purpose: Coding
    scopes: list[str] = Field(description="The API scopes agreed to")
    data_categories: list[str] = Field(description="The scopes agreed to, in words")
    given_date: date
    expiry_date: date | None = None
    state: Literal["active", "withdrawn", "expired"]
    withdrawn_at: str | None = Field(default=None, description="When it was withdrawn (ISO 8601, UTC)")
    evidence_reference: str | None = None


class SignedConsentReceipt(ApiModel):
    receipt: ConsentReceipt
    jws: str = Field(
        description="The receipt signed by the registry's message key: a compact JWS (ES256, typ "
        "consent-receipt+jwt) whose claims are iss, sub (the consent's uuid), iat, jti and receipt; "
        "verify it with the keys of /api/v2/.well-known/jwks.json"
    )


class ConsentEvent(ApiModel):
    event: Literal["recorded", "given", "changed", "withdrawn", "expired"] = Field(
        description="recorded: the consent was recorded before the registry kept consent histories (its "
        "first row then, at the time it was recorded); given, changed, withdrawn, expired: as they happened"
    )
    time: str = Field(description="ISO 8601, UTC")
    by: str | None = Field(default=None, description="The user or partner system that made the change, by name")
    note: str | None = Field(default=None, description="The reason of a withdrawal, or the fields changed")


class ConsentHistory(ApiModel):
    consent: str = Field(description="uuid of the consent")
    events: list[ConsentEvent] = Field(description="What happened to the consent, oldest first")

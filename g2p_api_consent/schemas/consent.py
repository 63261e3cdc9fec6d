from datetime import date
from typing import Literal

from pydantic import Field

from odoo.addons.g2p_partner_api.schemas.base import ApiModel, IsoDate, WireModel
from odoo.addons.g2p_partner_api.schemas.registrant_parts import Coding, Identifier


class ConsentCreate(WireModel):
    """Record a registrant's consent, e.g. from a data-collection tool at registration."""

    registrant: str | None = Field(default=None, description="uuid of the registrant")
    registrant_identifier: Identifier | None = Field(default=None, description="or one of its identifiers")
    recipient: str | None = Field(
        default=None,
        description="client_id of the partner system the consent is given to: one of the recipients an "
        "administrator allowed on the caller (any other, itself or null is 403)",
    )
    purpose: Coding
    scopes: list[str] = Field(
        min_length=1,
        description="Data categories (read scopes) the registrant agrees to share, among those an administrator "
        "allowed on the caller (any other, or a write scope, is 403)",
    )
    given_date: IsoDate | None = Field(
        default=None,
        description="today or at most g2p_api_consent.max_backdate_days (default 7) days ago; default today",
    )
    expiry_date: IsoDate | None = Field(default=None, description="after given_date")
    evidence_reference: str = Field(min_length=1, max_length=256, description="Where the proof of consent is kept")


class Consent(ApiModel):
    uuid: str
    registrant: str | None = Field(
        default=None, description="uuid of the registrant, only when the caller may read it (else null)"
    )
    recipient: str | None = None
    purpose: Coding
    scopes: list[str]
    given_date: date
    expiry_date: date | None = None
    state: Literal["active", "withdrawn", "expired"]
    evidence_reference: str | None = None

    @classmethod
    def from_record(cls, consent, registrant=None):
        """``registrant``: the uuid to show, decided by the caller's read access (never shown by default)."""
        consent = consent.sudo()
        return cls(
            uuid=consent.uuid,
            registrant=registrant,
            recipient=consent.client_id.client_id or None,
            purpose=Coding.from_record(consent.purpose_id),
            scopes=sorted(consent.scope_ids.mapped("code")),
            given_date=consent.given_date,
            expiry_date=consent.expiry_date or None,
            state=consent.state,
            evidence_reference=consent.evidence_reference or None,
        )


class WithdrawRequest(WireModel):
    reason: str | None = Field(default=None, max_length=256)

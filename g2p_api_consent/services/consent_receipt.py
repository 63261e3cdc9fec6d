"""A consent's receipt (signed by the registry) and its history, as the Consent resource answers them."""

import uuid
from datetime import UTC, datetime

from odoo.addons.g2p_partner_api.schemas.base import trusted, utc_iso
from odoo.addons.g2p_partner_api.schemas.registrant_parts import Coding, Identifier

from ..schemas.consent_receipt import ConsentEvent, ConsentHistory, ConsentReceipt, SignedConsentReceipt


def receipt(client, registrant_uuid, consent):
    """The receipt of ``consent`` for ``client``: the registrant named (uuid, identifiers) only when
    ``registrant_uuid`` is given, i.e. when the client may read the registrant."""
    consent = consent.sudo()
    env = consent.env
    issued_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return ConsentReceipt(
        consent=consent.uuid,
        issuer=env["g2p.api.client"]._token_issuer(),
        issued_at=utc_iso(issued_at),
        registrant=registrant_uuid,
        registrant_identifiers=Identifier.from_records(consent.partner_id.reg_id_ids) if registrant_uuid else [],
        recipient=consent.client_id.client_id or None,
        recipient_name=consent.recipient_name,
        purpose=Coding.from_record(consent.purpose_id),
        scopes=sorted(consent.scope_ids.mapped("code")),
        data_categories=sorted(consent.scope_ids.mapped("description")),
        given_date=consent.given_date,
        expiry_date=consent.expiry_date or None,
        state=consent.state,
        withdrawn_at=utc_iso(consent.withdrawn_date) or None,
        evidence_reference=consent.evidence_reference or None,
    )


def signed_receipt(env, content):
    """``content`` with its compact JWS, signed by the registry's message key (typ consent-receipt+jwt)."""
    claims = {
        "iss": content.issuer,
        "sub": content.consent,
        "iat": int(datetime.fromisoformat(content.issued_at.rstrip("Z")).replace(tzinfo=UTC).timestamp()),
        "jti": str(uuid.uuid4()),
        "receipt": content.model_dump(mode="json"),
    }
    return SignedConsentReceipt(receipt=content, jws=env["g2p.api.signing.key"].sudo()._sign_consent_receipt(claims))


def history(consent):
    """What happened to ``consent``, oldest first, each change by the name of who made it."""
    consent = consent.sudo()
    return ConsentHistory(
        consent=consent.uuid,
        events=[
            trusted(ConsentEvent, event=row.event, time=utc_iso(row.time), by=row.actor or None, note=row.note or None)
            for row in consent.history_ids
        ],
    )

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import api_env, require_scope
from odoo.addons.g2p_partner_api.schemas.base import optional_body
from odoo.addons.g2p_partner_api.schemas.parameters import IfNoneMatch, UuidPath
from odoo.addons.g2p_partner_api.schemas.responses import CALL_ERRORS, CONFLICT, NOT_FOUND, versioned_responses
from odoo.addons.g2p_partner_api.services.call_context import call_context
from odoo.addons.g2p_partner_api.services.registry_service import not_found
from odoo.addons.g2p_partner_api.services.resource_version import read_answer

from ..schemas.consent import Consent, ConsentCreate, WithdrawRequest
from ..schemas.consent_receipt import RECEIPT_FORMATS, ConsentHistory, SignedConsentReceipt
from ..services import consent_receipt, consent_recording

router = APIRouter(prefix="/Consent", tags=["Consent"], responses=CALL_ERRORS)

WRITE = "consent:write"


def _get(env, client, uuid):
    # a client sees the consents it recorded or that name it as recipient
    consent = env["g2p.consent"].search(
        [("uuid", "=", uuid), "|", ("source_client_id", "=", client.id), ("client_id", "=", client.id)], limit=1
    )
    if not consent:
        raise not_found("Consent", uuid)
    return consent


def _registrant_shown(request, client, consent):
    return consent_recording.registrant_shown(client, call_context(request).scopes, consent)


def _answer(request, client, consent):
    return Consent.from_record(consent, _registrant_shown(request, client, consent))


@router.post(
    "",
    response_model=Consent,
    status_code=status.HTTP_201_CREATED,
    summary="Record a registrant's consent",
    responses=CONFLICT,
)
def create_consent(
    body: ConsentCreate,
    request: Request,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Consent:
    consent = consent_recording.record(env, client, call_context(request).scopes, body)
    return _answer(request, client, consent)


@router.get(
    "/{uuid}",
    response_model=Consent,
    summary="Read a consent this client recorded or receives",
    responses={**versioned_responses(), **NOT_FOUND},
)
def read_consent(
    uuid: UuidPath,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    if_none_match: IfNoneMatch = None,
) -> Consent:
    return read_answer(response, _answer(request, client, _get(env, client, uuid)), if_none_match)


@router.post(
    "/{uuid}/withdraw",
    response_model=Consent,
    summary="Record the registrant's withdrawal",
    responses={**NOT_FOUND, **CONFLICT},
)
def withdraw_consent(
    uuid: UuidPath,
    request: Request,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    body: optional_body(WithdrawRequest) = None,
) -> Consent:
    consent = _get(env, client, uuid)
    consent.action_withdraw(body.reason if body else None)
    return _answer(request, client, consent)


JOSE = "application/jose"


@router.get(
    "/{uuid}/receipt",
    response_model=SignedConsentReceipt,
    summary="A receipt of a consent this client recorded or receives, signed by the registry",
    description="The consent's terms, the registrant's identifiers (only when this client may read the registrant), "
    "the recipient, the data categories and dates, with a compact JWS of the same signed by the registry's message "
    "key (typ consent-receipt+jwt, keys at /api/v2/.well-known/jwks.json): a programme hands it to the person. "
    "format=jws answers the JWS alone, as application/jose.",
    responses={200: {"content": {JOSE: {"schema": {"type": "string"}}}}, **NOT_FOUND},
)
def read_consent_receipt(
    uuid: UuidPath,
    request: Request,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    format: Annotated[RECEIPT_FORMATS, Query(description="json: receipt and JWS; jws: the JWS alone")] = "json",  # noqa: A002
) -> SignedConsentReceipt:
    consent = _get(env, client, uuid)
    signed = consent_receipt.signed_receipt(
        env, consent_receipt.receipt(client, _registrant_shown(request, client, consent), consent)
    )
    if format == "jws":
        return Response(signed.jws, media_type=JOSE)
    return signed


@router.get(
    "/{uuid}/history",
    response_model=ConsentHistory,
    summary="What happened to a consent this client recorded or receives: given, changed, withdrawn, expired",
    responses=NOT_FOUND,
)
def read_consent_history(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> ConsentHistory:
    return consent_receipt.history(_get(env, client, uuid))

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import api_env, require_scope
from odoo.addons.g2p_partner_api.schemas.base import optional_body
from odoo.addons.g2p_partner_api.schemas.parameters import IfNoneMatch, UuidPath
from odoo.addons.g2p_partner_api.schemas.responses import CALL_ERRORS, CONFLICT, NOT_FOUND, versioned_responses
from odoo.addons.g2p_partner_api.services.call_context import call_context
from odoo.addons.g2p_partner_api.services.registry_service import not_found
from odoo.addons.g2p_partner_api.services.resource_version import read_answer

from ..schemas.consent import Consent, ConsentCreate, WithdrawRequest
from ..services import consent_recording

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


def _answer(request, client, consent):
    return Consent.from_record(
        consent, consent_recording.registrant_shown(client, call_context(request).scopes, consent)
    )


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

from typing import Annotated

from fastapi import APIRouter, Depends, status

from odoo import fields
from odoo.api import Environment

from odoo.addons.g2p_partner_api.dependencies import api_env, require_scope
from odoo.addons.g2p_partner_api.schemas.common import ERROR_RESPONSES, UuidPath
from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.registry_service import not_found, resolve_code

from ..models.g2p_consent import PURPOSE_VOCABULARY
from ..schemas.consent import Consent, ConsentCreate, WithdrawRequest

router = APIRouter(prefix="/Consent", tags=["Consent"], responses=ERROR_RESPONSES)

WRITE = "consent:write"


def _invalid(field, message):
    return ApiError(
        422,
        "validation_error",
        f"{field}: {message}",
        details=[{"field": field, "message": message, "type": "value_error"}],
    )


def _registrant(env, body):
    Partner = env["res.partner"]
    if body.registrant:
        partner = Partner.search([("uuid", "=", body.registrant), ("is_registrant", "=", True)], limit=1)
        field = "registrant"
    elif body.registrant_identifier:
        # system and value on the same identifier row
        partner = Partner.search(
            [
                ("is_registrant", "=", True),
                (
                    "reg_id_ids",
                    "any",
                    [
                        ("id_type_id.namespace_uri", "=", body.registrant_identifier.system),
                        ("value", "=", body.registrant_identifier.value),
                    ],
                ),
            ],
            limit=1,
        )
        field = "registrant_identifier"
    else:
        raise _invalid("registrant", "give the registrant's uuid or one of its identifiers")
    if not partner:
        raise _invalid(field, "unknown registrant")
    return partner


def _get(env, client, uuid):
    # a client sees the consents it recorded or that name it as recipient
    consent = env["g2p.consent"].search(
        [("uuid", "=", uuid), "|", ("source_client_id", "=", client.id), ("client_id", "=", client.id)], limit=1
    )
    if not consent:
        raise not_found("Consent", uuid)
    return consent


@router.post("", response_model=Consent, status_code=status.HTTP_201_CREATED, summary="Record a registrant's consent")
def create_consent(
    body: ConsentCreate,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Consent:
    # a client records consent for others (e.g. a data-collection tool for a payment provider), never
    # for itself or for every partner: that would grant itself access
    if not body.recipient:
        raise ApiError(
            403,
            "consent_recipient_forbidden",
            "A client cannot record a consent for any partner: name the recipient partner system.",
        )
    if body.recipient == client.client_id:
        raise ApiError(403, "consent_recipient_forbidden", "A client cannot record a consent that gives itself access.")
    if body.given_date and body.given_date > fields.Date.context_today(client):
        raise _invalid("given_date", "a consent cannot be given in the future")
    partner = _registrant(env, body)
    recipient = env["g2p.api.client"].sudo().search([("client_id", "=", body.recipient)], limit=1)
    if not recipient:
        raise _invalid("recipient", "unknown client_id")
    scopes = env["g2p.api.scope"].sudo().search([("code", "in", body.scopes)])
    unknown = set(body.scopes) - set(scopes.mapped("code"))
    if unknown:
        raise _invalid("scopes", f"unknown scopes {sorted(unknown)}")
    vals = {
        "partner_id": partner.id,
        "client_id": recipient.id,
        "scope_ids": [(6, 0, scopes.ids)],
        "purpose_id": resolve_code(env, body.purpose, PURPOSE_VOCABULARY, "purpose"),
        "evidence_reference": body.evidence_reference,
        "expiry_date": body.expiry_date or False,
    }
    if body.given_date:
        vals["given_date"] = body.given_date
    return Consent.from_record(env["g2p.consent"].create(vals))


@router.get("/{uuid}", response_model=Consent, summary="Read a consent this client recorded or receives")
def read_consent(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Consent:
    return Consent.from_record(_get(env, client, uuid))


@router.post("/{uuid}/withdraw", response_model=Consent, summary="Record the registrant's withdrawal")
def withdraw_consent(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    body: WithdrawRequest | None = None,
) -> Consent:
    consent = _get(env, client, uuid)
    consent.action_withdraw(body.reason if body else None)
    return Consent.from_record(consent)

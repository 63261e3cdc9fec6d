"""The rules of a consent recorded by a partner system (``POST /api/v2/Consent``).

A client that records consent hands a registrant's data to another client: it does so only for the
recipients and read scopes a system administrator allowed on it, for a consent given recently, and
only for a registrant it may itself read. Everything about the request is checked before the
registrant is looked up, and a registrant the caller may not read is answered exactly as an unknown
one: the answer never tells whether a person is in the register.

No HTTP here beyond the API errors: the router parses and answers.
"""

from datetime import timedelta

from pydantic import ValidationError as PydanticValidationError

from odoo.addons.g2p_partner_api.services.api_errors import ApiError
from odoo.addons.g2p_partner_api.services.api_errors import invalid_field as invalid
from odoo.addons.g2p_partner_api.services.problem_details import body_error
from odoo.addons.g2p_partner_api.services.registry_calendar import registry_today
from odoo.addons.g2p_partner_api.services.registry_service import readable_uuids, resolve_code

from ..models.g2p_consent import PURPOSE_VOCABULARY
from ..schemas.registration_consent import RegistrationConsent

MAX_BACKDATE_PARAM = "g2p_api_consent.max_backdate_days"
DEFAULT_MAX_BACKDATE_DAYS = 7
RECIPIENT_FORBIDDEN = "consent_recipient_forbidden"
REGISTERING_AGENT_REQUIRED = "registering_agent_required"
DEFAULT_REGISTRATION_PURPOSE = "g2p_api_consent.vocab_consent_purpose_service_delivery"
SCOPE_FORBIDDEN = "consent_scope_forbidden"


def max_backdate_days(env):
    value = env["ir.config_parameter"].sudo().get_param(MAX_BACKDATE_PARAM, DEFAULT_MAX_BACKDATE_DAYS)
    try:
        return max(int(value), 0)
    except ValueError:
        return DEFAULT_MAX_BACKDATE_DAYS


def check_dates(env, client, given_date, expiry_date, given_field="given_date", as_of=None):
    """``given_date`` today (or ``as_of``: when the consent was received) or within the allowed back-dating,
    ``expiry_date`` after it."""
    today = as_of or registry_today(env)
    given = given_date or today
    if given > today:
        raise invalid(given_field, "a consent cannot be given in the future", "out_of_range")
    days = max_backdate_days(env)
    if given < today - timedelta(days=days):
        raise invalid(
            given_field, f"a consent recorded through the API was given at most {days} days ago", "out_of_range"
        )
    if expiry_date and expiry_date <= given:
        raise invalid("expiry_date", "must be after given_date")


def allowed_recipient(env, client, recipient_client_id):
    """The recipient, when an administrator allowed ``client`` to record consent for it. An unknown
    client_id answers as one not allowed."""
    if not recipient_client_id:
        raise ApiError(
            403,
            RECIPIENT_FORBIDDEN,
            "A client cannot record a consent for any partner: name the recipient partner system.",
        )
    if recipient_client_id == client.client_id:
        raise ApiError(403, RECIPIENT_FORBIDDEN, "A client cannot record a consent that gives itself access.")
    recipient = client.sudo().consent_recipient_ids.filtered(lambda c: c.client_id == recipient_client_id)
    if not recipient:
        raise ApiError(
            403,
            RECIPIENT_FORBIDDEN,
            "recipient: this client may not record consent for that partner system "
            "(an administrator lists the recipients it may record consent for).",
            errors=[body_error("recipient", "not_allowed", "not an allowed recipient")],
        )
    return recipient


def allowed_scopes(env, client, codes):
    """The scopes, when each is a read scope an administrator allowed ``client`` to record."""
    scopes = env["g2p.api.scope"].sudo().search([("code", "in", codes)])
    unknown = set(codes) - set(scopes.mapped("code"))
    if unknown:
        raise invalid("scopes", f"unknown scopes {sorted(unknown)}", "unknown_code")
    recordable = env["g2p.consent"]._recordable_scope_codes() & set(client.sudo().consent_scope_ids.mapped("code"))
    refused = sorted(set(codes) - recordable)
    if refused:
        raise ApiError(
            403,
            SCOPE_FORBIDDEN,
            f"scopes: this client may not record consent for {refused} "
            "(read scopes an administrator allowed on it only; never a write scope).",
            errors=[body_error("scopes", "not_allowed", f"not recordable: {refused}")],
        )
    return scopes


def find_registrant(env, registrant_uuid, identifier):
    Partner = env["res.partner"]
    if registrant_uuid:
        return Partner.search([("uuid", "=", registrant_uuid), ("is_registrant", "=", True)], limit=1), "registrant"
    if identifier:
        # system and value on the same identifier row
        domain = [("id_type_id.namespace_uri", "=", identifier.system), ("value", "=", identifier.value)]
        found = Partner.search([("is_registrant", "=", True), ("reg_id_ids", "any", domain)], limit=1)
        return found, "registrant_identifier"
    raise invalid("registrant", "give the registrant's uuid or one of its identifiers")


def read_scope_of(partner):
    return "group:read" if partner.is_group else "individual:read"


def readable_registrant(env, client, token_scopes, registrant_uuid, identifier):
    """The registrant, when ``client`` may read it with its token; unknown and unreadable answer alike."""
    partner, field = find_registrant(env, registrant_uuid, identifier)
    if not partner or not readable_uuids(client, token_scopes, partner, read_scope_of(partner)):
        raise invalid(field, "unknown registrant", "unknown_registrant")
    return partner


def record(env, client, token_scopes, body):
    """The consent ``client`` records for ``body``; every check of the request before any lookup of the registrant."""
    if not (body.registrant or body.registrant_identifier):
        raise invalid("registrant", "give the registrant's uuid or one of its identifiers")
    recipient = allowed_recipient(env, client, body.recipient)
    check_dates(env, client, body.given_date, body.expiry_date)
    scopes = allowed_scopes(env, client, body.scopes)
    purpose = resolve_code(env, body.purpose, PURPOSE_VOCABULARY, "purpose")
    partner = readable_registrant(env, client, token_scopes, body.registrant, body.registrant_identifier)
    return _create(
        env, partner, recipient, scopes, purpose, body.evidence_reference, body.given_date, body.expiry_date or False
    )


def _create(env, partner, recipient, scopes, purpose, evidence_reference, given_date, expiry_date=False):
    """The consent row; without ``given_date``, the model's default (today)."""
    vals = {
        "partner_id": partner.id,
        "client_id": recipient.id,
        "scope_ids": [(6, 0, scopes.ids)],
        "purpose_id": purpose,
        "evidence_reference": evidence_reference,
        "expiry_date": expiry_date,
    }
    if given_date:
        vals["given_date"] = given_date
    return env["g2p.consent"].create(vals)


def registrant_shown(client, token_scopes, consent):
    """The registrant's uuid in an answer about ``consent``, when ``client`` may read the registrant; else None."""
    partner = consent.partner_id
    uuids = readable_uuids(client, token_scopes, partner, read_scope_of(partner))
    return uuids[0] if uuids else None


# --- the consent a registering agent sends with a create (POST /Individual, POST /Group, ingest items) ---
def registration_consent(consent):
    """``consent`` as the wire model (an ingest item carries it as a dict); 422 naming what is wrong."""
    if consent is None or isinstance(consent, RegistrationConsent):
        return consent
    try:
        return RegistrationConsent.model_validate(consent)
    except PydanticValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(["consent", *map(str, problem["loc"])])
        raise invalid(field, problem["msg"]) from exc


def agent_read_scopes(env, client, codes):
    """The scopes, when each is a read scope ``client`` itself holds: an agent records consent for itself only."""
    scopes = env["g2p.api.scope"].sudo().search([("code", "in", codes)])
    unknown = set(codes) - set(scopes.mapped("code"))
    if unknown:
        raise invalid("consent.scopes", f"unknown scopes {sorted(unknown)}")
    refused = sorted(set(codes) - (env["g2p.consent"]._recordable_scope_codes() & client._scope_codes()))
    if refused:
        raise ApiError(
            403,
            SCOPE_FORBIDDEN,
            f"consent.scopes: a registering agent records consent for read scopes it holds only, not {refused}.",
            errors=[body_error("consent.scopes", "invalid_value", f"not recordable: {refused}")],
        )
    return scopes


def check_registration_consent(env, client, consent, as_of=None):
    """(consent, scopes, purpose id) of the consent a create carries, when ``client`` may send it; None without one.
    Every check before any lookup of the registrant: a client no administrator marked as registering agent
    is refused whatever the consent says."""
    consent = registration_consent(consent)
    if consent is None:
        return None
    if not client.sudo().is_registering_agent:
        raise ApiError(
            403,
            REGISTERING_AGENT_REQUIRED,
            "consent: only a client an administrator marked as registering agent records the registrant's consent "
            "with a registration; register without it, and record consent through POST /Consent.",
            errors=[body_error("consent", "invalid_value", "not a registering agent")],
        )
    check_dates(env, client, consent.given_on, None, given_field="consent.given_on", as_of=as_of)
    scopes = agent_read_scopes(env, client, consent.scopes)
    purpose = (
        resolve_code(env, consent.purpose, PURPOSE_VOCABULARY, "consent.purpose")
        if consent.purpose
        else env.ref(DEFAULT_REGISTRATION_PURPOSE).id
    )
    return consent, scopes, purpose


def record_registration_consent(env, client, consent, partner, as_of=None):
    """The consent of the registrant ``partner`` that ``client`` registered, given to ``client`` itself; recorded in
    ``env`` (the registration's, with its provenance). None without consent."""
    checked = check_registration_consent(env, client, consent, as_of)
    if checked is None:
        return None
    consent, scopes, purpose = checked
    return _create(env, partner, client, scopes, purpose, consent.evidence_reference, consent.given_on)

"""Who may do what: the role matrix of docs/security.md as data, read by test_role_matrix.py.

For each model of the suite: the roles that may read a record, delete one, call each public method
and write each stored field ("fields": NOBODY for the records of fact that only server code writes:
every writable field the registry has, today's and tomorrow's, is then tried and must be refused).
A role not listed must be refused (AccessError) and leave the database as it was. "May" means the
access checks let the role through: the call may still stop on the record's state or the value's
validation (a role that may approve cannot approve a request that is not pending).

A new public method or writable field fails test_every_public_method_and_writable_field_is_placed
until it is placed here (the failure prints the line to add) and docs/security.md says the same.
"""

import base64

from odoo import Command

from odoo.addons.g2p_api_consent.models.g2p_consent import SERVER_FIELDS as CONSENT_SERVER_FIELDS
from odoo.addons.g2p_api_consent.models.g2p_consent import TERMS
from odoo.addons.g2p_partner_api.models.g2p_source_mixin import PROVENANCE_FIELDS
from odoo.addons.g2p_partner_ingest.models.g2p_change_request import SERVER_FIELDS as REQUEST_SERVER_FIELDS

ROLE_GROUPS = {
    "portal": ["base.group_portal"],
    "internal": ["base.group_user"],
    "viewer": ["g2p_partner_api.group_registry_viewer"],
    "officer": ["g2p_partner_api.group_registry_officer"],
    "approver": ["g2p_partner_api.group_registry_approver"],
    "api_manager": ["g2p_partner_api.group_api_manager"],
    "admin": ["base.group_system"],
}

# set by the duplicate decision (and the head check), refused in write, but not writable fields (computed or one2many)
DUPLICATE_DECISION_FIELDS = frozenset(
    {"possible_duplicate", "existing_person_change", "needs_decision", "duplicate_ids", "head_change"}
)
NOBODY = frozenset()
ADMIN = frozenset({"admin"})
API_MANAGERS = frozenset({"api_manager", "admin"})
APPROVERS = frozenset({"approver", "admin"})
OFFICERS = frozenset({"officer", "approver", "admin"})
# every role of the registry (API Managers are viewers too)
STAFF = frozenset({"viewer", "officer", "approver", "api_manager", "admin"})

# g2p.source.mixin: who sent a record through an API, set by the API layer only
PROVENANCE = dict.fromkeys(PROVENANCE_FIELDS, NOBODY)


def _all(roles, *names):
    return dict.fromkeys(names, roles)


MATRIX = {
    # --- partner access (g2p_partner_api) ---------------------------------------------------------------
    "g2p.api.client": {
        "read": STAFF,
        "unlink": ADMIN,  # API Managers archive: deleting frees the partner's names and deletes its consents
        "methods": {
            # the sample has a secret: replacing it is an administrator's, checked in the method before the sudo write
            # (the first one is the API Manager's to hand to the partner; TestShownOnceSecrets)
            "action_generate_secret": ADMIN,
            # the second half of an activation secret: another person than the one who saw the first (uid recorded);
            # the sample's secret is a working one, so the call stops on its state (UserError), rights checked first
            "action_generate_second_half": API_MANAGERS,
            "action_refresh_jwks": API_MANAGERS,  # group checked in the method, before the key set is fetched
            "action_view_consents": STAFF,
        },
        "fields": {
            **_all(
                API_MANAGERS,
                "name",
                "scope_ids",
                "all_programs",
                "allowed_program_ids",
                "active",
                "token_lifetime",
                # the first key source only: replacing or removing one is an administrator's (_check_custody_kept,
                # TestKeySwapTraced). The sample client has a public key: a jwks_uri beside it is refused (not
                # both), so the value tried is its own (no change); its public key changed is below (ADMIN)
                "jwks_uri",
                "default_source_system",
                # within the registry's ceiling (the value tried is one more): none (-1) or more is an
                # administrator's (_check_rate_limit_within_ceiling, TestRateLimitCustody)
                "rate_limit_per_minute",
                "require_if_match",
                "note",
                "legal_basis",
                # the first one only: replacing or removing it is an administrator's (_check_callback_url_kept,
                # TestDestinationCustody); the sample client has none
                "dci_callback_url",
                "dci_callback_subscription_id",
            ),
            # the sample has a secret and a public key: to private key JWT is an administrator's (an API Manager sets
            # the first credential of a new client only: _check_first_credential_only, TestAudit11ApiManagerTakesOver
            # ARotatedClient), and so is back to a secret (_check_token_auth_method_kept, TestKeyOnlyClientCustody)
            "token_auth_method": ADMIN,
            "public_key": ADMIN,  # the sample has one: replacing it is an administrator's act (_check_custody_kept)
            # the names its messages give as sender: the sample has each, changing one is an administrator's act
            # (_check_custody_kept, TestSenderNameCustody); an API Manager gives them to a new client only
            **_all(ADMIN, "client_id", "partner_mnemonic", "dci_sender_id"),
            "secret_hash": ADMIN,  # field groups: base.group_system
            "secret_rotated_on": NOBODY,  # set by secret generation (CLIENT_SERVER_FIELDS)
            # set by Generate secret, cleared by the partner's own rotation (CLIENT_SERVER_FIELDS, TestShownOnceSecrets)
            "secret_shown_to_staff": NOBODY,
            # the second half's hash and who saw the first half: set by the two buttons only (CLIENT_SERVER_FIELDS)
            **_all(NOBODY, "secret_second_half_hash", "secret_first_half_by"),
            "first_credential_on": NOBODY,  # set when the client first gets a secret or key (CLIENT_SERVER_FIELDS)
            "tokens_valid_from": NOBODY,  # moved forward by revocation only (CLIENT_SERVER_FIELDS)
            # when the key set was fetched and until when it is used: its fetches only (CLIENT_SERVER_FIELDS)
            **_all(NOBODY, "jwks_expires_at", "jwks_refreshed_at"),
            # for whom and which data a client records consent: a system administrator's decision
            "consent_recipient_ids": ADMIN,
            "consent_scope_ids": ADMIN,
            # guarded settings (g2p.guarded.settings.mixin): only an administrator moves them off the safe value
            "legal_basis_enabled": ADMIN,
            "is_registering_agent": ADMIN,  # it records the consent that opens data to itself
            "dci_verify_signature": ADMIN,
            "dci_callback_allow_http": ADMIN,
            "ingest_allow_unsigned": ADMIN,
        },
    },
    "g2p.api.scope": {
        "read": STAFF,
        # the registry's vocabulary of rights: an administrator's; one a client or consent names is never deleted
        "unlink": ADMIN,
        "methods": {},
        # consents and tokens name a scope by its code: it never changes (a new code is a new scope)
        "fields": {"code": NOBODY, "description": ADMIN},
    },
    "g2p.api.signing.key": {
        "read": API_MANAGERS,
        "unlink": NOBODY,  # keys are retired by rotation, never deleted from the UI
        "methods": {"action_rotate": ADMIN},
        # what a key is and what it signs never change (a message key made a token key would make every signed
        # message a bearer token): rotation makes a new key
        "fields": {
            **_all(NOBODY, "kid", "purpose", "algorithm", "private_key_pem", "public_key_pem"),
            **_all(ADMIN, "active", "retired_on"),
        },
    },
    "g2p.api.audit.log": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    # the keys fetched from a client's jwks_uri: a record of what verified its signatures, written by the fetch only
    "g2p.api.client.jwk": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    # the client assertions already used at the token endpoint (RFC 7523 jti): written by the token endpoint only
    "g2p.api.client.assertion": {
        "read": ADMIN,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    "g2p.api.rate.window": {
        "read": ADMIN,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    # the pull feed's log: written in SQL by the registrant writes, read by the feed
    "g2p.registrant.change": {
        "read": ADMIN,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    "g2p.api.recent.write": {
        "read": ADMIN,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    # what was disclosed to whom: written in SQL where data leaves, read by the staff who read registrants
    "g2p.api.disclosure": {
        "read": STAFF,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    # --- outbound (g2p_partner_api) -------------------------------------------------------------------------
    "g2p.api.event.type": {
        "read": STAFF,
        "unlink": ADMIN,
        "methods": {},
        "fields": _all(ADMIN, "code", "description"),
    },
    "g2p.api.subscription": {
        "read": API_MANAGERS,
        "unlink": API_MANAGERS,
        # the sample has a signing secret: replacing it is an administrator's (the first one is the API Manager's to
        # hand to the partner; TestShownOnceSecrets)
        "methods": {"action_generate_hmac_secret": ADMIN},
        "fields": {
            **_all(
                API_MANAGERS,
                "name",
                "uuid",  # refused once set (UserError), whoever asks: partners hold it
                "event_type_ids",
                "http_method",
                "payload_template",
                "include_owner",
                "callback_json_path",
                "max_attempts",
                "timeout",
                "active",
            ),
            # where a partner's data goes, and the REST endpoint whose registry it tells of: an administrator's, or
            # the partner's own through /Subscription (_check_destination_kept, TestDestinationCustody)
            **_all(ADMIN, "client_id", "target_url", "url_template", "endpoint_id"),
            "allow_insecure": ADMIN,  # guarded setting: plain HTTP outbound, as for DCI callbacks
            "signing": ADMIN,  # guarded setting: to "none" (HMAC and JWS are API Managers' to choose between)
            "hmac_secret": ADMIN,  # field groups: base.group_system; API Managers generate it, shown once
        },
    },
    "g2p.api.subscription.event": {
        "read": API_MANAGERS,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": {
            **_all(API_MANAGERS, "event_type_id", "http_method", "payload_template"),
            # where the event goes, and the subscription whose target the settings take: an administrator's
            # (_check_destination_kept, TestDestinationCustody)
            **_all(ADMIN, "subscription_id", "url_template"),
        },
    },
    "g2p.api.callback.mapping": {
        "read": API_MANAGERS,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(API_MANAGERS, "subscription_id", "sequence", "json_path", "ref_type"),
    },
    "g2p.api.delivery": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {"action_resend": API_MANAGERS, "action_retry_now": API_MANAGERS},
        # a record of what was sent: only server code writes it (Send again re-queues what is recorded)
        "fields": NOBODY,
    },
    "g2p.api.delivery.attempt": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    "g2p.api.external.ref": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(API_MANAGERS, "subscription_id", "record_uuid", "partner_id", "ref_type", "external_id"),
    },
    # --- the register (g2p_partner_api) ---------------------------------------------------------------------
    "res.partner": {
        # the sample is a registrant: registry staff only (rule_registrants_registry_staff_only)
        "read": STAFF,
        # the sample is a registrant: staff archive it; deleting one is an administrator's (_check_registrants_kept;
        # base.group_partner_manager, implied by Officer, still deletes plain contacts)
        "unlink": ADMIN,
        "methods": {"get_formview_id": STAFF},  # which form opens it: as reading it
        "fields": {
            **PROVENANCE,
            # the sample is a registrant: making it a plain contact drops it from the register as deleting it would,
            # an administrator's (_check_registrants_kept); Officers make a contact a registrant
            "is_registrant": ADMIN,
            **_all(
                OFFICERS,
                "is_group",
                "uuid",  # refused once set (UserError), whoever asks
                "given_name",
                "family_name",
                "addl_name",
                "birthdate",
                "gender_id",
            ),
            # follow the active flag (archive with a reason through the API or the archive button)
            "archived_at": NOBODY,
            "archive_reason": NOBODY,
        },
    },
    "g2p.reg.id": {
        "read": STAFF,
        "unlink": OFFICERS,
        "methods": {},
        "fields": _all(OFFICERS, "partner_id", "id_type_id", "value", "status", "expiry_date", "description"),
    },
    "g2p.id.type": {
        "read": STAFF,
        "unlink": ADMIN,
        "methods": {},
        "fields": _all(ADMIN, "name", "namespace_uri", "description", "value_regex", "active"),
    },
    "g2p.group.membership": {
        "read": STAFF,
        "unlink": OFFICERS,
        "methods": {},
        "fields": {
            **PROVENANCE,
            **_all(OFFICERS, "group_id", "individual_id", "kind_ids", "start_date", "end_date", "end_reason"),
        },
    },
    "g2p.program": {
        "read": STAFF,
        "unlink": ADMIN,
        "methods": {"action_activate": OFFICERS, "action_end": OFFICERS},
        "fields": {
            **PROVENANCE,
            **_all(OFFICERS, "name", "uuid", "description", "target_type", "state", "active"),
        },
    },
    "g2p.program.membership": {
        "read": STAFF,
        "unlink": OFFICERS,  # of running programmes only (record rule)
        "methods": _all(
            OFFICERS, "action_enroll", "action_pause", "action_exit", "action_not_eligible", "action_reset_draft"
        ),
        "fields": {
            **PROVENANCE,
            **_all(
                OFFICERS,
                "uuid",  # refused once set (UserError), whoever asks
                "partner_id",
                "program_id",
                "state",
                "enrollment_date",
                "exit_date",
                "exit_reason",
            ),
        },
    },
    "g2p.vocabulary": {
        "read": STAFF,
        "unlink": ADMIN,
        "methods": {},
        "fields": _all(ADMIN, "name", "namespace_uri", "description", "active"),
    },
    "g2p.vocabulary.code": {
        "read": STAFF,
        "unlink": ADMIN,
        "methods": {},
        "fields": _all(ADMIN, "vocabulary_id", "code", "display", "definition", "sequence", "active"),
    },
    # --- consent (g2p_api_consent) --------------------------------------------------------------------------
    # written by the consent's create and write: nobody edits it
    "g2p.consent.history": {
        "read": STAFF,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    "g2p.consent": {
        "read": STAFF,
        "unlink": NOBODY,
        # the receipt: the registry's signature of what the person agreed to (groups checked in the method)
        "methods": {"action_withdraw": OFFICERS, "action_download_receipt": STAFF},
        "fields": {
            **PROVENANCE,
            # moved by the actions only, and the terms agreed to (a change of terms is a new consent)
            **dict.fromkeys(CONSENT_SERVER_FIELDS | TERMS, NOBODY),
            **_all(OFFICERS, "evidence_reference", "evidence_attachment_ids"),
        },
    },
    # --- ingest (g2p_partner_ingest) ------------------------------------------------------------------------
    "g2p.ingest.data.model": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": {
            **_all(
                API_MANAGERS,
                "mnemonic",
                "description",
                "key_path_sender",
                "key_path_message_id",
                "key_path_signature",
                "key_path_signature_payload",
                "is_list",
                "key_path_list_elements",
                "max_items",
                "target",
                "transformation_template",
                "match_id_type_id",
                "response_template",
                "input_schema",
                "input_example",
                "column_map",
                "max_file_rows",
                "active",
            ),
            # guarded settings: auto-approval skips the four eyes, a lax duplicate policy skips the check
            "auto_approve": ADMIN,
            "duplicate_policy": ADMIN,
        },
    },
    "g2p.ingest.detection.pattern": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(API_MANAGERS, "data_model_id", "json_path", "regex"),
    },
    "g2p.ingest.raw": {
        "read": STAFF,
        "unlink": NOBODY,
        "methods": {"action_retry": OFFICERS},
        # what a partner sent and how far it went is evidence: written by the pipeline only
        "fields": NOBODY,
    },
    "g2p.change.request": {
        "read": STAFF,
        "unlink": NOBODY,
        "methods": {
            "action_approve": APPROVERS,  # and not the submitter nor an editor (four eyes, checked before sudo)
            "action_reject": APPROVERS,
            "action_open_reject_wizard": STAFF,
            "action_open_edit_wizard": STAFF,
            "action_retry": OFFICERS,
        },
        "fields": {
            # server fields (trust rule): who did what, links, states, and the target once proposed
            **dict.fromkeys(REQUEST_SERVER_FIELDS - DUPLICATE_DECISION_FIELDS, NOBODY),
            "proposed_values": OFFICERS,  # while pending; the editor may then not approve it
        },
    },
    "g2p.change.request.duplicate": {
        "read": STAFF,
        "unlink": NOBODY,
        "methods": {
            "action_merge": APPROVERS,
            "action_not_duplicate": APPROVERS,
            "action_update_existing": APPROVERS,
            "action_reject_member": APPROVERS,
        },
        "fields": NOBODY,
    },
    # wizards: "fields" are what the role may fill in when it opens one (creating it), "methods" its buttons
    "g2p.change.request.reject.wizard": {
        "methods": {"action_reject": APPROVERS},
        "fields": _all(APPROVERS, "change_request_ids", "reason"),
    },
    "g2p.change.request.edit.wizard": {
        "methods": {"action_save": OFFICERS},
        "fields": _all(
            OFFICERS,
            "change_request_id",
            "name",
            "given_name",
            "addl_name",
            "family_name",
            "birthdate",
            "gender_id",
            "city",
        ),
    },
    "g2p.ingest.file.upload.wizard": {
        "methods": {"action_check": OFFICERS, "action_upload": OFFICERS},
        "fields": _all(OFFICERS, "client_id", "data_model_id", "file", "file_name", "check_result"),
    },
    "g2p.change.request.edit.identifier": {
        "methods": {},
        "fields": _all(OFFICERS, "wizard_id", "id_type_id", "value"),
    },
    # --- DCI (g2p_dci_search) ---------------------------------------------------------------------------------
    "g2p.dci.register": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(
            API_MANAGERS,
            "reg_type",
            "registry_types",
            "target",
            "reg_record_type",
            "outgoing_template",
            "max_page_size",
            "active",
        ),
    },
    "g2p.dci.register.field": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(API_MANAGERS, "register_id", "name", "orm_path", "value_type"),
    },
    "g2p.dci.id.type.map": {
        "read": STAFF,
        "unlink": API_MANAGERS,
        "methods": {},
        "fields": _all(API_MANAGERS, "register_id", "sequence", "dci_id_type", "id_type_id"),
    },
    "g2p.dci.subscription": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {"action_unsubscribe": API_MANAGERS},
        # the participant's request as it sent it: staff end it (Unsubscribe), never edit it
        "fields": NOBODY,
    },
    "g2p.dci.transaction": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
    "g2p.dci.transaction.item": {
        "read": API_MANAGERS,
        "unlink": NOBODY,
        "methods": {},
        "fields": NOBODY,
    },
}

# arguments after the record ids, for methods that take some
METHOD_ARGS = {
    ("g2p.change.request", "action_reject"): ["Not the household it claims to be (role matrix)"],
}


def _one(model, domain=(), order="id"):
    def find(env):
        return env[model].sudo().with_context(active_test=False).search(list(domain), order=order, limit=1)

    return find


def _pending_request(env):
    """A pending proposal nobody of the test submitted or edited: each role meets only its rights."""
    return env["g2p.change.request"].sudo().search([("state", "=", "pending")], order="id", limit=1)


def _subscription(env):
    return env["g2p.api.subscription"].sudo().search([], order="id", limit=1)


def _callback_mapping(env):
    return env["g2p.api.callback.mapping"].sudo().search([], limit=1) or env["g2p.api.callback.mapping"].sudo().create(
        {"subscription_id": _subscription(env).id, "json_path": "$.documentId", "ref_type": "document"}
    )


def _subscription_event(env):
    return env["g2p.api.subscription.event"].sudo().search([], limit=1) or env[
        "g2p.api.subscription.event"
    ].sudo().create(
        {"subscription_id": _subscription(env).id, "event_type_id": _subscription(env).event_type_ids[:1].id}
    )


def _edit_wizard_vals(env):
    return {
        "change_request_id": _pending_request(env).id,
        "name": False,
        "given_name": "Amina",
        "addl_name": False,
        "family_name": "Diallo",
        "birthdate": "1990-04-01",
        "gender_id": False,
        "city": "Thiès",
    }


def _edit_identifier_vals(env):
    wizard = env["g2p.change.request.edit.wizard"].sudo().create({"change_request_id": _pending_request(env).id})
    return {
        "wizard_id": wizard.id,
        "id_type_id": env["g2p.id.type"].search([], order="id", limit=1).id,
        "value": "ROLE-MATRIX-1",
    }


def _disclosure(env):
    registrant = _one("res.partner", [("is_registrant", "=", True), ("is_group", "=", False)])(env)
    env["g2p.api.disclosure"].sudo()._record(
        _one("g2p.api.client")(env), registrant.ids, "rest_read", "individual:read"
    )
    return _one("g2p.api.disclosure")(env)


# model -> env -> the record every role is tried on (for wizards: the values a role opens one with)
SAMPLES = {
    "g2p.api.client": _one("g2p.api.client"),
    "g2p.api.scope": _one("g2p.api.scope"),
    "g2p.api.signing.key": _one("g2p.api.signing.key", [("active", "=", True)]),
    "g2p.api.audit.log": _one("g2p.api.audit.log"),
    "g2p.api.client.jwk": lambda env: (
        _one("g2p.api.client.jwk")(env)
        or env["g2p.api.client.jwk"]
        .sudo()
        .create({"client_id": _one("g2p.api.client")(env).id, "kid": "matrix", "fingerprint": "00" * 32})
    ),
    "g2p.api.rate.window": lambda env: (
        _one("g2p.api.rate.window")(env)
        or env["g2p.api.rate.window"]
        .sudo()
        .create({"client_id": _one("g2p.api.client")(env).id, "window_start": "2026-01-01 00:00:00", "hits": 1})
    ),
    "g2p.registrant.change": _one("g2p.registrant.change"),
    "g2p.api.client.assertion": lambda env: (
        _one("g2p.api.client.assertion")(env)
        or env["g2p.api.client.assertion"]
        .sudo()
        .create(
            {"client_id": _one("g2p.api.client")(env).id, "jti_hash": "00" * 32, "expires_at": "2026-01-01 00:00:00"}
        )
    ),
    "g2p.api.recent.write": lambda env: (
        _one("g2p.api.recent.write")(env)
        or env["g2p.api.recent.write"]
        .sudo()
        .create({"client_id": _one("g2p.api.client")(env).id, "written_at": "2026-01-01 00:00:00"})
    ),
    "g2p.api.disclosure": lambda env: _one("g2p.api.disclosure")(env) or _disclosure(env),
    "g2p.api.event.type": _one("g2p.api.event.type"),
    "g2p.api.subscription": _subscription,
    "g2p.api.subscription.event": _subscription_event,
    "g2p.api.callback.mapping": _callback_mapping,
    "g2p.api.delivery": _one("g2p.api.delivery", [("state", "in", ("sent", "failed"))]),
    "g2p.api.delivery.attempt": _one("g2p.api.delivery.attempt"),
    "g2p.api.external.ref": _one("g2p.api.external.ref"),
    "res.partner": _one("res.partner", [("is_registrant", "=", True), ("is_group", "=", False)]),
    "g2p.reg.id": _one("g2p.reg.id"),
    "g2p.id.type": _one("g2p.id.type"),
    "g2p.group.membership": _one("g2p.group.membership", [("group_id.is_group", "=", True)]),
    "g2p.program": _one("g2p.program", [("state", "=", "active")]),
    "g2p.program.membership": _one("g2p.program.membership", [("program_id.state", "=", "active")]),
    "g2p.vocabulary": _one("g2p.vocabulary"),
    "g2p.vocabulary.code": _one("g2p.vocabulary.code"),
    "g2p.consent": _one("g2p.consent", [("state", "=", "active")]),
    "g2p.consent.history": _one("g2p.consent.history"),
    "g2p.ingest.data.model": _one("g2p.ingest.data.model"),
    "g2p.ingest.detection.pattern": _one("g2p.ingest.detection.pattern"),
    "g2p.ingest.raw": _one("g2p.ingest.raw", [("error_code", "!=", False)]),
    "g2p.change.request": _pending_request,
    "g2p.change.request.duplicate": _one("g2p.change.request.duplicate", [("resolution", "=", False)]),
    "g2p.change.request.reject.wizard": lambda env: {
        "change_request_ids": [Command.set(_pending_request(env).ids)],
        "reason": "Not the household it claims to be (role matrix)",
    },
    "g2p.change.request.edit.wizard": _edit_wizard_vals,
    "g2p.change.request.edit.identifier": _edit_identifier_vals,
    "g2p.ingest.file.upload.wizard": lambda env: {
        "client_id": env["g2p.api.client"].sudo().search([("scope_ids.code", "=", "ingest:write")], limit=1).id,
        "data_model_id": env.ref("g2p_partner_ingest.data_model_person_json").id,
        "file": base64.b64encode(b"first_name,national_id\nMatrix,83000001\n").decode(),
        "file_name": "matrix.csv",
        "check_result": "<p>Matrix</p>",
    },
    "g2p.dci.register": _one("g2p.dci.register"),
    "g2p.dci.register.field": _one("g2p.dci.register.field"),
    "g2p.dci.id.type.map": _one("g2p.dci.id.type.map"),
    "g2p.dci.subscription": _one("g2p.dci.subscription", [("state", "=", "subscribe")]),
    "g2p.dci.transaction": _one("g2p.dci.transaction"),
    "g2p.dci.transaction.item": _one("g2p.dci.transaction.item"),
}

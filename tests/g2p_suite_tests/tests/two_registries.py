"""Two registries in one database, for the tests of what the staff of one company may learn of the other's
registrants: company A is the test's own (``env.company``), company B is made here; each gets its registrants
and its staff, who log in to the web client with ``JsonRpcAttackMixin._as``."""

import json

from odoo.fields import Command

from .role_matrix import ROLE_GROUPS


def second_registry(env, label=None):
    """Company B, "Registry of district B (``label``)": a label per test class says whose it is."""
    name = f"Registry of district B ({label})" if label else "Registry of district B"
    return env["res.company"].create({"name": name})


def staff_users(test_class, companies, **login_of_role):
    """A user of each role of ``role_matrix.ROLE_GROUPS`` given (``viewer="bo_viewer_a"``), made by the
    ``JsonRpcAttackMixin`` ``test_class`` (so ``_as(login)`` logs in as it), working in the first of ``companies``
    and allowed all of them. Returns {login: user}."""
    users = {}
    for role, login in login_of_role.items():
        users[login] = test_class._user(login, ",".join(ROLE_GROUPS[role]))
        users[login].write({"company_id": companies[:1].id, "company_ids": [Command.set(companies.ids)]})
    return users


def registrant(env, company, given_name, family_name, national_id=None, **values):
    """A registered person of ``company`` (of none, given an empty company), holding ``national_id`` if given,
    and any other ``values``."""
    if national_id:
        id_type = env.ref("g2p_partner_api.id_type_national_id")
        values["reg_id_ids"] = [Command.create({"id_type_id": id_type.id, "value": national_id})]
    person = {"is_registrant": True, "given_name": given_name, "family_name": family_name, "company_id": company.id}
    return env["res.partner"].create(dict(person, **values))


def payment_consent(env, person, client, evidence_reference):
    """``person``'s consent to ``client`` reading her, for payments."""
    return env["g2p.consent"].create(
        {
            "partner_id": person.id,
            "client_id": client.id,
            "purpose_id": env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
            "scope_ids": [Command.set(env.ref("g2p_partner_api.scope_individual_read").ids)],
            "evidence_reference": evidence_reference,
        }
    )


def renaming_request(env, person):
    """A proposal, as the pipeline makes one (server code), to add "-Renamed" to ``person``'s family name."""
    current = {"given_name": person.given_name, "family_name": person.family_name}
    return env["g2p.change.request"].create(
        {
            "operation": "update",
            "target": "individual",
            "registrant_id": person.id,
            "proposed_values": json.dumps(dict(current, family_name=f"{person.family_name}-Renamed")),
            "current_values": json.dumps(current),
        }
    )

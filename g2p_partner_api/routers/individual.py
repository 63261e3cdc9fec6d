from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from odoo.api import Environment

from ..dependencies import Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.base import IsoDate, assembled
from ..schemas.individual import Individual, IndividualCreate, IndividualPatch, IndividualWrite
from ..schemas.lookup import IndividualLookup, IndividualLookupItem
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import IncludeArchived
from ..schemas.registrant_values import individual_values, is_plain, values_of
from ..schemas.responses import CALL_ERRORS, error_response, versioned_responses
from ..services import registrant_writer
from ..services import registry_service as registry
from ..services.call_context import WRITE_ANSWER, call_context
from ..services.paging import REGISTRANT_SORTS
from ..services.resource_version import check_read_only, with_etag, with_location
from .archive import add_archive_route
from .change_feed import ChangePage, ChangeStart, changes_page
from .lookup import add_lookup_route
from .registrant_read import add_read_route, page_answer
from .registrant_write import add_write_route

router = APIRouter(prefix="/Individual", tags=["Individual"], responses=CALL_ERRORS)

READ = "individual:read"
WRITE = "individual:write"


def _visible_groups(client, partners, call):
    """Loads what the wire form of ``partners`` reads; returns their groups the client may read (record rules
    and consent: ``registry_service.groups_search``, read by the prefetch's statement). ``call``: the
    ``CallContext`` of a read, told that the answer carries ``partners``' data (a group shows as its uuid only:
    not disclosed)."""
    groups = registry.prefetch_named(client, Individual, partners, READ, of_groups=False)
    if call is not None:
        call.disclose(partners, READ)
    return groups


def _to_wire(client, partners, call=None):
    """Groups the client may not read (the rules hide them, no consent) are left out of each individual's
    ``groups``, as if the membership were not there."""
    groups = _visible_groups(client, partners, call)
    render = assembled(Individual).from_record
    return [render(partner, groups) for partner in partners]


def _to_values(client, partners, call=None):
    """What ``_to_wire`` answers, as JSON-ready values built from the cache; None, and nothing done, when an
    addon extends the wire models (then ``_to_wire``)."""
    if not is_plain():
        return None
    groups = _visible_groups(client, partners, call)
    render = assembled(Individual).from_record
    return values_of(partners, lambda p: individual_values(p, groups), lambda p: render(p, groups))


def _for_write(env, client, uuid, if_match):
    return registry.registrant_for_write(env, client, uuid, False, WRITE, if_match, _to_wire)


def _written(response, client, partner, call):
    # the answer shows the individual as written, fields the writer did not send included
    call.disclose(partner, WRITE, WRITE_ANSWER)
    return with_etag(response, _to_wire(client, registry.flush_and_reread(partner))[0])


@router.get(
    "",
    response_model=Page[Individual] | ChangePage[Individual],
    summary="Search individuals, or pull their changes",
    responses=PAGE_RESPONSES,
)
def search_individuals(
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging("Individual", REGISTRANT_SORTS))],
    identifier: Annotated[str | None, Query(description="<system>|<value>", max_length=400)] = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    birthdate: Annotated[IsoDate | None, Query(description="Born on this date, written YYYY-MM-DD")] = None,
    include_archived: IncludeArchived = False,
    changes: ChangeStart = None,
) -> Page[Individual] | ChangePage[Individual]:
    if changes:
        return changes_page(env, client, READ, False, request, page, changes, _to_wire, Individual)
    total, records = registry.search_visible(
        env["res.partner"],
        client,
        READ,
        registry.registrant_domain(False, identifier, name, birthdate, env=env),
        page,
        fields=Individual.fetch_fields(),
        include_archived=include_archived,
    )
    return page_answer(response, page, total, Individual, _to_wire, _to_values, client, records, call_context(request))


read_individual = add_read_route(
    router, "Individual", Individual, False, READ, _to_wire, "Read an individual", to_values=_to_values
)


CHECK_DUPLICATES_DOC = (
    "Also answer 409 possible_duplicate when a registered individual this client may read has a similar name "
    "(trigram similarity, accents and case ignored) and the same birth date: ask before creating. Similar "
    "registrants it may not read are not told (the individual is registered). Without it, only a shared "
    "identifier is a 409 (duplicate)."
)
CANDIDATE_UUID = "6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10"
DUPLICATE_RESPONSES = {
    409: error_response(
        "The individual may already be registered; `candidates` lists the uuids of those this client may read "
        "(individual:read scope and the registrant's consent)",
        {
            "duplicate": (
                "duplicate",
                "An identifier of this individual is already assigned to another registrant.",
                {"candidates": [CANDIDATE_UUID]},
            ),
            "possible_duplicate": (
                "possible_duplicate",
                "This individual may already be registered (similar name and birth date): check the candidates, "
                "or send without check_duplicates to register a different person.",
                {"candidates": [CANDIDATE_UUID]},
            ),
        },
    )
}


@router.post(
    "",
    response_model=Individual,
    status_code=status.HTTP_201_CREATED,
    summary="Register an individual",
    responses={**versioned_responses(201), **DUPLICATE_RESPONSES},
)
def create_individual(
    body: IndividualCreate,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
    check_duplicates: Annotated[bool, Query(description=CHECK_DUPLICATES_DOC)] = False,
) -> Individual:
    # the whole body is validated before any registrant is looked up: an invalid body is a 422 whoever is registered
    check_read_only(body)
    vals = registry.individual_vals(env, None, body, registry.full_replacement(body))
    client._check_registration_consent(getattr(body, "consent", None))
    registry.refuse_duplicates(
        env, client, call_context(request).scopes, registry.person_for_duplicates(body), fuzzy=check_duplicates
    )
    partner = registrant_writer.save(env, None, vals)
    client._record_registration_consent(partner, getattr(body, "consent", None))
    return with_location(request, response, _written(response, client, partner, call_context(request)))


replace = add_write_route(
    router,
    "put",
    "Individual",
    Individual,
    IndividualWrite,
    WRITE,
    _for_write,
    _written,
    _to_wire,
    lambda env, client, partner, body, fields, request: registry.individual_vals(env, partner, body, fields),
    "Replace an individual",
)
# a patch body has no read-only field to check
patch = add_write_route(
    router,
    "patch",
    "Individual",
    Individual,
    IndividualPatch,
    WRITE,
    _for_write,
    _written,
    _to_wire,
    lambda env, client, partner, body, fields, request: registry.individual_vals(env, partner, body, fields),
    "Change some fields of an individual",
    read_only=False,
)
archive = add_archive_route(router, "an Individual", Individual, WRITE, _for_write, _written)
lookup = add_lookup_route(
    router, "Individual", Individual, IndividualLookup, IndividualLookupItem, READ, _to_wire, to_values=_to_values
)

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from odoo.api import Environment

from ..dependencies import Paging, api_env, paging, require_read_scope, require_scope
from ..schemas.common import ERROR_RESPONSES, Page, UuidPath
from ..schemas.individual import Individual, IndividualPatch, IndividualWrite
from ..services import registry_service as registry

router = APIRouter(prefix="/Individual", tags=["Individual"], responses=ERROR_RESPONSES)

READ = "individual:read"
WRITE = "individual:write"


def _to_wire(client, partners):
    """Groups the client may not read (no consent) are left out of each individual's ``groups``."""
    Individual.prefetch(partners)
    groups = registry.visible_groups(client, partners, READ)
    return [Individual.from_record(partner).keep_groups(groups) for partner in partners]


@router.get("", response_model=Page[Individual], summary="Search individuals")
def search_individuals(
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
    page: Annotated[Paging, Depends(paging)],
    identifier: Annotated[str | None, Query(description="<system>|<value>", max_length=400)] = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    birthdate: date | None = None,
) -> Page[Individual]:
    total, records = registry.search_visible(
        env["res.partner"], client, READ, registry.registrant_domain(False, identifier, name, birthdate), page,
        fields=Individual.fetch_fields(),
    )
    return Page[Individual](total=total, page=page.page, page_size=page.page_size,
                            items=_to_wire(client, records))


@router.get("/{uuid}", response_model=Individual, summary="Read an individual")
def read_individual(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_read_scope(READ))],
) -> Individual:
    partner = registry.get_registrant(env, client, uuid, False, READ, fields=Individual.fetch_fields())
    return _to_wire(client, partner)[0]


@router.post("", response_model=Individual, status_code=status.HTTP_201_CREATED, summary="Register an individual")
def create_individual(
    body: IndividualWrite,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Individual:
    vals = registry.individual_vals(env, None, body, registry.full_replacement(body))
    partner = env["res.partner"].create(dict(vals, is_registrant=True, is_group=False))
    return _to_wire(client, partner)[0]


@router.put("/{uuid}", response_model=Individual, summary="Replace an individual")
def replace_individual(
    uuid: UuidPath,
    body: IndividualWrite,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Individual:
    partner = registry.get_registrant(env, client, uuid, False, WRITE)
    partner.write(registry.individual_vals(env, partner, body, registry.full_replacement(body)))
    return _to_wire(client, partner)[0]


@router.patch("/{uuid}", response_model=Individual, summary="Change some fields of an individual")
def patch_individual(
    uuid: UuidPath,
    body: IndividualPatch,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(WRITE))],
) -> Individual:
    partner = registry.get_registrant(env, client, uuid, False, WRITE)
    partner.write(registry.individual_vals(env, partner, body, body.model_fields_set))
    return _to_wire(client, partner)[0]

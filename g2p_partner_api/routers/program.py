from typing import Annotated

from fastapi import APIRouter, Depends, Response

from odoo.api import Environment

from ..dependencies import Paging, api_env, paging, require_scope
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import IfNoneMatch, UuidPath
from ..schemas.program import Program
from ..schemas.responses import CALL_ERRORS, NOT_FOUND, versioned_responses
from ..services import registry_service as registry
from ..services.paging import PROGRAM_SORTS
from ..services.resource_version import read_answer

router = APIRouter(prefix="/Program", tags=["Program"], responses=CALL_ERRORS)

READ = "program:read"


@router.get(
    "", response_model=Page[Program], summary="List the programmes this client may see", responses=PAGE_RESPONSES
)
def search_programs(
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(READ))],
    page: Annotated[Paging, Depends(paging("Program", PROGRAM_SORTS))],
    state: str | None = None,
) -> Page[Program]:
    domain = client._program_domain() + ([("state", "=", state)] if state else [])
    total, records = registry.search_visible(env["g2p.program"], client, READ, domain, page)
    return Page[Program].of(page, total, [Program.from_record(p) for p in records])


@router.get(
    "/{uuid}", response_model=Program, summary="Read a programme", responses={**versioned_responses(), **NOT_FOUND}
)
def read_program(
    uuid: UuidPath,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(READ))],
    if_none_match: IfNoneMatch = None,
) -> Program:
    program = env["g2p.program"].search([("uuid", "=", uuid)], limit=1)
    registry.check_program_allowed(client, program, uuid)
    return read_answer(response, Program.from_record(program), if_none_match)

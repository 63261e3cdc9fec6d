from typing import Annotated

from fastapi import APIRouter, Depends

from odoo.api import Environment

from ..dependencies import odoo_env
from ..schemas.health import HealthResponse
from ..services.database_health import database_health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Primary and read replica reachability, replica lag (no authentication, no data)",
)
def health(env: Annotated[Environment, Depends(odoo_env)]) -> HealthResponse:
    return HealthResponse(**database_health(env.cr.dbname))

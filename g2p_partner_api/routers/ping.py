from fastapi import APIRouter

from ..schemas.ping import PingResponse

router = APIRouter(tags=["health"])


@router.get("/ping", response_model=PingResponse, summary="Liveness probe (no authentication)")
def ping() -> PingResponse:
    return PingResponse(status="ok")

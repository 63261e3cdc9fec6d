"""The body of GET /ping."""

from pydantic import BaseModel, Field


class PingResponse(BaseModel):
    status: str = Field(examples=["ok"])

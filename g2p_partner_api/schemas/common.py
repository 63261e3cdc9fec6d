from pydantic import BaseModel, Field


class PingResponse(BaseModel):
    status: str = Field(examples=["ok"])


class ErrorDetail(BaseModel):
    field: str = ""
    message: str
    type: str = ""


class ErrorInfo(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    """Every error of the REST API has this shape."""

    error: ErrorInfo

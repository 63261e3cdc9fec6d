from typing import Any, Literal

from pydantic import BaseModel


class ResponseHeader(BaseModel):
    message_id: str | None = None
    correlation_id: str | None = None
    response_status: Literal["SUCCESS", "ERROR"]
    error_code: str | None = None
    error_message: str | None = None
    timestamp: str


class IngestResponse(BaseModel):
    """The G2P envelope (or the data model's response template output, which may add fields)."""

    model_config = {"extra": "allow"}

    response_header: ResponseHeader | None = None
    response_payload: dict[str, Any] | None = None


class IngestItemStatus(BaseModel):
    ingest_id: str
    item_index: int
    state: str
    classification_status: str
    transformation_status: str
    ingestion_status: str
    error_code: str | None = None
    error_message: str | None = None
    change_request: str | None = None
    change_request_state: str | None = None
    operation: str | None = None


class IngestStatusResponse(BaseModel):
    correlation_id: str
    items: list[IngestItemStatus]

"""Wire shapes of the DCI app (SPDCI Social Registry API v1.0.0), for validation and /docs."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class MsgHeader(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str = "1.0.0"
    message_id: str = Field(min_length=1, max_length=99)
    message_ts: str
    action: str
    sender_id: str = Field(min_length=1, max_length=256)
    sender_uri: str | None = None
    receiver_id: str | None = None
    total_count: int
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class SearchRequestMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    transaction_id: str = Field(max_length=99)
    search_request: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class SearchEnvelope(BaseModel):
    """POST /dci/registry/sync/search body: {signature, header, message}."""

    signature: str | None = Field(default=None, description="Compact JWS of {header, message} by the sender's key")
    header: MsgHeader
    message: SearchRequestMessage


class CallbackHeader(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str
    message_id: str
    message_ts: str
    action: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str
    is_msg_encrypted: bool = False


class SearchResponseEnvelope(BaseModel):
    """Response: header swapped (registry → sender), message.search_response[], registry signature."""

    model_config = ConfigDict(extra="allow")

    signature: str
    header: CallbackHeader
    message: dict[str, Any]


class Jwks(BaseModel):
    keys: list[dict[str, Any]]


class TxnStatusQuery(BaseModel):
    model_config = ConfigDict(extra="allow")

    reference_id: str = Field(min_length=1, max_length=99)
    txn_type: Literal["search", "subscribe", "receipt"]
    attribute_type: Literal["transaction_id", "reference_id_list", "correlation_id"]
    attribute_value: str | list[str]


class TxnStatusRequestMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    transaction_id: str = Field(max_length=99)
    txnstatus_request: TxnStatusQuery


class TxnStatusEnvelope(BaseModel):
    """POST /dci/registry/sync/txn/status body."""

    signature: str | None = None
    header: MsgHeader
    message: TxnStatusRequestMessage


class SubscribeRequestMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    transaction_id: str = Field(max_length=99)
    subscribe_request: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class SubscribeEnvelope(BaseModel):
    """POST /dci/registry/subscribe body."""

    signature: str | None = None
    header: MsgHeader
    message: SubscribeRequestMessage


class UnsubscribeRequestMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    transaction_id: str = Field(max_length=99)
    timestamp: str
    subscription_codes: list[str] = Field(min_length=1, max_length=100)


class UnsubscribeEnvelope(BaseModel):
    """POST /dci/registry/unsubscribe body."""

    signature: str | None = None
    header: MsgHeader
    message: UnsubscribeRequestMessage


class AckError(BaseModel):
    code: str
    message: str


class AckMessage(BaseModel):
    ack_status: Literal["ACK", "NACK", "ERR"]
    timestamp: str
    correlation_id: str
    error: AckError | None = None


class Ack(BaseModel):
    """Acknowledgement of an asynchronous request; the answer follows as a signed callback."""

    message: AckMessage


class HttpError(BaseModel):
    code: str
    message: str


class HttpErrorResponse(BaseModel):
    """HTTP-level errors (400, 401, 403, 500): the spec's HttpErrorResponse ``errors[]`` and, in the same
    body, its Response ERR acknowledgement (``message.ack_status = ERR``, ``message.error``)."""

    errors: list[HttpError]
    message: AckMessage

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class ResponseHeader(BaseModel):
    message_id: str | None = None
    correlation_id: str | None = None
    response_status: Literal["SUCCESS", "ERROR"]
    error_code: str | None = None
    error_message: str | None = None
    timestamp: str


class DryRunItem(BaseModel):
    """What the pipeline would make of one item: the change request it would propose, or why it would fail."""

    item_index: int
    row: int | None = Field(None, description="The item's row in the file (the header is row 1), for a file")
    operation: Literal["ADD", "UPDATE", "ADD_OR_UPDATE"] | None = Field(
        None,
        description="UPDATE of a registrant this client may read; ADD (new registrant) to a client that reads every "
        "registrant (legal basis); ADD_OR_UPDATE otherwise: the registry does not tell whether a person this client "
        "may not read is registered",
    )
    registrant: str | None = Field(
        None, description="uuid of the registrant an UPDATE would change, only when this client may read it"
    )
    canonical: dict[str, Any] | None = Field(None, description="The canonical registrant the transformation makes")
    error_code: str | None = Field(None, description="CLASSIFICATION_FAILED, TRANSFORMATION_FAILED or CONSENT_REFUSED")
    error_message: str | None = None


class DryRunPayload(BaseModel):
    """The answer of ?dry_run=true: nothing was written, the message id is still unused."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "dry_run": True,
                    "data_model": "PERSON_JSON",
                    "duplicate": False,
                    "item_count": 2,
                    "items": [
                        {
                            "item_index": 0,
                            "operation": "UPDATE",
                            "registrant": "6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10",
                            "canonical": {
                                "given_name": "Grace",
                                "family_name": "Kamau",
                                "identifiers": [{"system": "urn:g2p:id:national-id", "value": "90000001"}],
                            },
                        },
                        {
                            "item_index": 1,
                            "error_code": "TRANSFORMATION_FAILED",
                            "error_message": "Canonical registrant invalid: ...",
                        },
                    ],
                }
            ]
        },
    }

    dry_run: Literal[True]
    data_model: str
    duplicate: bool = Field(
        description="The message id was already accepted: a real call would answer the "
        "original correlation_id and write nothing"
    )
    correlation_id: str | None = Field(None, description="With duplicate: the original call's correlation id")
    ingest_ids: list[str] | None = None
    item_count: int | None = None
    items: list[DryRunItem]


class IngestResponse(BaseModel):
    """The G2P envelope (or the data model's response template output, which may add fields)."""

    model_config = {"extra": "allow"}

    response_header: ResponseHeader | None = None
    response_payload: Annotated[DryRunPayload | dict[str, Any] | None, Field(union_mode="left_to_right")] = None


class IngestItemStatus(BaseModel):
    ingest_id: str
    item_index: int
    row: int | None = Field(None, description="The item's row in its file (the header is row 1); null for JSON")
    state: str
    classification_status: str
    transformation_status: str
    ingestion_status: str
    error_code: str | None = None
    error_message: str | None = None
    change_request: str | None = None
    change_request_state: str | None = None
    operation: str | None = Field(
        None, description="ADD, UPDATE or ADD_OR_UPDATE, as for a dry run (the change request's operation)"
    )
    registrant: str | None = Field(
        None,
        description="uuid of the registrant the change request created or updated, once applied (an UPDATE's while "
        "pending), only when this client may read it (individual:read or group:read in the token and the "
        "registrant's consent, as for GET /api/v2/Individual/{uuid}); null for any other, as for an unknown person",
    )
    reason: str | None = Field(
        None,
        description="Why the item went no further, in words: the reviewer's reason for a rejected change request, the "
        "problem found when the item failed in the pipeline (as error_message) or when its change request could not "
        "be applied; null while it goes on or once applied",
    )
    possible_duplicate: bool = Field(
        False,
        description="The item may add someone already registered that this client may read: its change request "
        "waits for a person (duplicate policy flag); or the item failed with DUPLICATE_SUSPECTED (policy reject)",
    )
    duplicate_candidates: list[str] = Field(
        [],
        description="uuids of the registrants it may duplicate, only those this client may read "
        "(individual:read in the token and the registrant's consent, as for GET /api/v2/Individual/{uuid})",
    )


class IngestStatusResponse(BaseModel):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "correlation_id": "0b7d1c55-3f1e-4b8e-9a51-6d2f0c7e9a11",
                    "items": [
                        {
                            "ingest_id": "5e0f3a61-9c2d-4f7a-8b1e-2d4c6a8e0f13",
                            "item_index": 0,
                            "state": "done",
                            "classification_status": "done",
                            "transformation_status": "done",
                            "ingestion_status": "done",
                            "change_request": "CR/2026/00042",
                            "change_request_state": "pending",
                            "operation": "ADD",
                            "registrant": None,
                            "reason": None,
                            "possible_duplicate": True,
                            "duplicate_candidates": ["6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10"],
                        },
                        {
                            "ingest_id": "7a2b9c40-1d3e-4f5a-8b6c-9d0e1f2a3b4c",
                            "item_index": 1,
                            "state": "failed",
                            "classification_status": "done",
                            "transformation_status": "done",
                            "ingestion_status": "failed",
                            "error_code": "DUPLICATE_SUSPECTED",
                            "error_message": "This item may add someone already registered: resolve it upstream, "
                            "or send the registrant's identifier so the item updates them.",
                            "reason": "This item may add someone already registered: resolve it upstream, "
                            "or send the registrant's identifier so the item updates them.",
                            "possible_duplicate": True,
                            "duplicate_candidates": [],
                        },
                        {
                            "ingest_id": "9c3d0e52-2f4a-4b6c-8d7e-0f1a2b3c4d5e",
                            "item_index": 2,
                            "state": "done",
                            "classification_status": "done",
                            "transformation_status": "done",
                            "ingestion_status": "done",
                            "change_request": "CR/2026/00043",
                            "change_request_state": "applied",
                            "operation": "UPDATE",
                            "registrant": "6f1c2d0e-8a4b-4c1e-9d5f-2b7a9e3c4d10",
                        },
                        {
                            "ingest_id": "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
                            "item_index": 3,
                            "state": "done",
                            "classification_status": "done",
                            "transformation_status": "done",
                            "ingestion_status": "done",
                            "change_request": "CR/2026/00044",
                            "change_request_state": "rejected",
                            "operation": "ADD_OR_UPDATE",
                            "reason": "The birth date does not match the civil register; send the corrected record.",
                        },
                    ],
                }
            ]
        }
    }

    correlation_id: str
    items: list[IngestItemStatus]

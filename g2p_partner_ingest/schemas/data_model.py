"""What ``GET /partner/data-models`` tells a partner of each data model it may send."""

import json
from typing import Any, Literal

from pydantic import BaseModel, Field


class DataModelPaths(BaseModel):
    """JSONPath, over ``{"headers": ..., "body": ...}``, of each part of an ingest call."""

    sender: str = Field(examples=["$.body.header.sender_id"])
    message_id: str = Field(examples=["$.body.header.message_id"])
    signature: str | None = Field(None, examples=["$.body.signature"])
    signed_payload: str | None = Field(None, description="The object the signature signs", examples=["$.body.message"])
    items: str | None = Field(None, description="A batch's list of items (a single-item model: the signed payload)")


class DataModelInfo(BaseModel):
    mnemonic: str = Field(description="What to pass as ?data_model=", examples=["REST_INDIVIDUAL"])
    description: str | None = None
    target: Literal["individual", "group"]
    batch: bool
    max_items: int
    match_identifier: str = Field(
        description="Identifier system an item is matched on: a registrant holding the item's identifier of this "
        "system is updated, otherwise one is added",
        examples=["urn:g2p:id:national-id"],
    )
    paths: DataModelPaths
    input_schema: dict[str, Any] | None = Field(None, description="JSON Schema of one item")
    input_example: Any = Field(None, description="One item as a partner sends it")

    @classmethod
    def from_record(cls, model):
        return cls(
            mnemonic=model.mnemonic,
            description=model.description or None,
            target=model.target,
            batch=model.is_list,
            max_items=model.max_items,
            match_identifier=model.match_id_type_id.namespace_uri,
            paths=DataModelPaths(
                sender=model.key_path_sender,
                message_id=model.key_path_message_id,
                signature=model.key_path_signature or None,
                signed_payload=model.key_path_signature_payload or None,
                items=(model.key_path_list_elements or None) if model.is_list else None,
            ),
            input_schema=json.loads(model.input_schema) if model.input_schema else None,
            input_example=json.loads(model.input_example) if model.input_example else None,
        )


class DataModelList(BaseModel):
    data_models: list[DataModelInfo]

"""The signed manifest that comes with a file on ``POST /partner/ingest_file``."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..services.row_file import DECLARABLE_ENCODINGS

MANIFEST_EXAMPLE = {
    "header": {"message_id": "KOBO-2026-03-01-0007", "sender_id": "KOBO"},
    "message": {
        "data_model": "PERSON_JSON",
        "sha256": "9f2c4e1b0a7d5c3e8f6a4b2d0c9e7f5a3b1d9c7e5f3a1b9d7c5e3f1a9b7d5c3e",
        "file_name": "households-2026-03-01.xlsx",
    },
    "signature": "eyJhbGciOiJFUzI1NiJ9.eyJkYXRhX21vZGVsIjoiUEVSU09OX0pTT04iLCJzaGEyNTYiOiIuLi4ifQ.c2lnbmF0dXJl",
}


class FileManifestHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, max_length=128, description="Unique per sender: a resend is answered alike")
    sender_id: str = Field(min_length=1, max_length=128, description="The partner's client_id or mnemonic")


class FileManifestMessage(BaseModel):
    """What the signature signs (the JWS claims, with jti = message_id and iat)."""

    model_config = ConfigDict(extra="forbid")

    data_model: str = Field(min_length=1, max_length=64, description="A data model with a column map")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 of the file, lower-case hex")
    file_name: str | None = Field(None, max_length=256)
    encoding: Literal[DECLARABLE_ENCODINGS] | None = Field(
        None,
        description="Of a CSV: utf-8 (the default, with or without a byte-order mark) or the Windows code page it "
        "was saved in (Excel's CSV in a language's code page); a file not in it is refused, never guessed",
    )


class FileManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [MANIFEST_EXAMPLE]})

    header: FileManifestHeader
    message: FileManifestMessage
    signature: str | None = Field(None, description="Compact JWS of message (claims jti = message_id, iat)")

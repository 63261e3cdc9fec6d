from typing import Any

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="Lifetime in seconds")
    scope: str = Field(description="Space-separated scopes granted")


class OAuthErrorResponse(BaseModel):
    """RFC 6749 §5.2 error of the token route."""

    error: str = Field(examples=["invalid_client"])
    error_description: str | None = None


class Jwks(BaseModel):
    """RFC 7517 key set: the registry's current key and the retiring ones still in their grace period."""

    keys: list[dict[str, Any]]

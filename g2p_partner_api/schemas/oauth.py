from typing import Any

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="Lifetime in seconds")
    scope: str = Field(description="Space-separated scopes granted")


class ClientSecretResponse(BaseModel):
    """The client's new secret (RFC 7591 §3.2.1 member names), answered once: only its hash is kept."""

    client_id: str
    client_secret: str = Field(description="The new secret: the former one, and every token issued so far, are dead")
    client_secret_expires_at: int = Field(0, description="0: the secret does not expire (RFC 7591 §3.2.1)")


class OAuthErrorResponse(BaseModel):
    """RFC 6749 §5.2 error of the OAuth routes (token, client secret)."""

    error: str = Field(examples=["invalid_client"])
    error_description: str | None = None


class Jwks(BaseModel):
    """RFC 7517 key set: the registry's current key and the retiring ones still in their grace period."""

    keys: list[dict[str, Any]]

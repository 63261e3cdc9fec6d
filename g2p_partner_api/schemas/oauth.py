from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="Lifetime in seconds")
    scope: str = Field(description="Space-separated scopes granted")

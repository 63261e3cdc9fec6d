from pydantic import BaseModel, Field


class VocabularySummary(BaseModel):
    system: str = Field(examples=["urn:g2p:vocab:gender"], description="Namespace URI to send as `system`")
    name: str = Field(examples=["Gender"])
    description: str | None = None


class VocabularyCode(BaseModel):
    code: str = Field(examples=["female"])
    display: str = Field(examples=["Female"])
    definition: str | None = None
    active: bool = True


class Vocabulary(VocabularySummary):
    codes: list[VocabularyCode]


class IdType(BaseModel):
    system: str = Field(examples=["urn:g2p:id:national-id"], description="Namespace URI to send as identifier `system`")
    name: str = Field(examples=["National ID"])
    description: str | None = None
    value_pattern: str | None = Field(default=None, description="Regular expression every value must match")

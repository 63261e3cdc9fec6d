from pydantic import BaseModel, Field


class PrimaryHealth(BaseModel):
    reachable: bool


class ReplicaHealth(BaseModel):
    configured: bool = Field(description="Whether this node reads from a replica (db_replica_host)")
    reachable: bool | None = Field(None, description="null when no replica is configured")
    lag_seconds: float | None = Field(
        None, description="How far the replica's replay is behind the primary (0 when it has replayed all it received)"
    )


class HealthResponse(BaseModel):
    status: str = Field(examples=["ok"], description="ok, or degraded when a database does not answer")
    primary: PrimaryHealth
    replica: ReplicaHealth

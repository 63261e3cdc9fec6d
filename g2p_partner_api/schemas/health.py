from pydantic import BaseModel, Field


class PrimaryHealth(BaseModel):
    reachable: bool


class ReplicaHealth(BaseModel):
    configured: bool = Field(description="Whether this node reads from a replica (db_replica_host)")
    reachable: bool | None = Field(None, description="null when no replica is configured")
    lag_seconds: float | None = Field(
        None,
        description="How old the replica's view of the registry may be, in seconds: 0 when it has replayed everything "
        "the primary had a moment ago; null when unknown. Past g2p_partner_api.replica_max_lag_seconds the primary "
        "serves every read",
    )


class HealthResponse(BaseModel):
    status: str = Field(examples=["ok"], description="ok, or degraded when a database does not answer")
    primary: PrimaryHealth
    replica: ReplicaHealth

"""What one call tells those who serve it after the route: the middleware (its audit row, the
RateLimit headers) and the app's error renderer. Filled in by the dependencies that authenticate,
the routers and the renderers; one object per call, in the request's state."""

from dataclasses import dataclass, field

STATE_KEY = "g2p_call"
# the disclosure channels (g2p.api.disclosure) of REST answers: a read's, and a write's (the registrant as written,
# with what the writer did not send: a PATCH's other fields, a group's members)
READ_ANSWER = "rest_read"
WRITE_ANSWER = "rest_write"


@dataclass
class CallContext:
    """The call of a suite app: who, for what, and how it ended, as its audit row records it."""

    path: str  # the request path
    endpoint_id: int | None = None  # the fastapi.endpoint that received the call (what it answers later runs as it)
    client_id: int | None = None  # database id of the authenticated client (never answered)
    scopes: frozenset = frozenset()  # of the client's token
    rate_limit: object = None  # the client's ``RateDecision`` of this call, answered as headers
    actor: str | None = None  # who called: the client id, or what an unauthenticated caller claimed
    action: str | None = None  # when not "<method> <route>"
    outcome: str | None = None  # "failure" for a refusal answered as a success (HTTP 200 envelopes)
    error_code: str | None = None
    correlation_id: str | None = None
    reference_ids: list[str] = field(default_factory=list)
    legal_basis: str | None = None  # the client read under it rather than consent
    # registrants whose data the answer carries, by (channel, scope): recorded with the audit row
    disclosures: dict = field(default_factory=dict)

    def disclose(self, registrants, scope, channel=READ_ANSWER):
        """The answer of this call carries ``registrants``' data, read under ``scope`` (recorded as
        ``g2p.api.disclosure`` rows with the call's audit row, if the call succeeds)."""
        self.disclosures.setdefault((channel, scope), set()).update(registrants.ids)


def call_context(request):
    """The ``CallContext`` of the call ``request`` is part of (made by ``G2PApiMiddleware``)."""
    return getattr(request.state, STATE_KEY)

from typing import Literal

from extendable_pydantic import StrictExtendableBaseModel
from pydantic import Field

from .base import NotBlankText, WireModel

TARGET_URL_DOC = (
    "The partner's public https endpoint; loopback, private and link-local addresses and the registry's own "
    "routes are refused, as for subscriptions made by staff"
)
EVENTS_DOC = "Event type codes (e.g. individual.updated); each needs a read scope of the client's that covers it"


class Subscription(StrictExtendableBaseModel):
    """A subscription of the calling client: where the registry sends which events."""

    uuid: str
    name: str
    target_url: str
    events: list[str] = Field(description="Event type codes, sorted")
    signing: Literal["hmac", "jws", "none"] = Field(
        description="hmac: Standard Webhooks webhook-signature with the secret given once at creation; "
        "jws: X-G2P-JWS by the registry's message key"
    )

    @classmethod
    def from_record(cls, subscription):
        subscription = subscription.sudo()
        return cls(
            uuid=subscription.uuid,
            name=subscription.name,
            target_url=subscription.target_url,
            events=sorted(subscription.event_type_ids.mapped("code")),
            signing=subscription.signing,
        )


class SubscriptionCreated(Subscription):
    """The new subscription and its signing secret, which no other answer ever shows again."""

    signing_secret: str = Field(
        description="whsec_<base64 key>: verifies webhook-signature (Standard Webhooks). Shown in this answer "
        "only: store it now"
    )


class SubscriptionCreate(WireModel):
    name: NotBlankText = Field(min_length=1, max_length=128)
    target_url: str = Field(min_length=1, max_length=2048, description=TARGET_URL_DOC)
    events: list[str] = Field(min_length=1, max_length=50, description=EVENTS_DOC)


class SubscriptionPatch(WireModel):
    """Body of PATCH: only the fields sent are changed; ``events``, when sent, replaces the list."""

    name: NotBlankText | None = Field(default=None, min_length=1, max_length=128)
    target_url: str | None = Field(default=None, min_length=1, max_length=2048, description=TARGET_URL_DOC)
    events: list[str] | None = Field(default=None, min_length=1, max_length=50, description=EVENTS_DOC)

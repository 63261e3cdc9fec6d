from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from odoo.api import Environment

from ..dependencies import IfMatch, Paging, api_env, paging, require_scope
from ..schemas.page import PAGE_RESPONSES, Page
from ..schemas.parameters import UuidPath
from ..schemas.responses import CALL_ERRORS, CONFLICT, NOT_FOUND, PRECONDITION_RESPONSES, versioned_responses
from ..schemas.subscription import Subscription, SubscriptionCreate, SubscriptionCreated, SubscriptionPatch
from ..services import registry_service as registry
from ..services import subscription_service
from ..services.call_context import call_context
from ..services.paging import SUBSCRIPTION_SORTS
from ..services.resource_version import check_if_match, with_etag, with_location

router = APIRouter(prefix="/Subscription", tags=["Subscription"], responses=CALL_ERRORS)

MANAGE = "subscription:manage"


def _for_write(env, client, uuid, if_match):
    subscription = subscription_service.get(env, client, uuid)
    check_if_match(if_match, lambda: Subscription.from_record(subscription))
    return subscription


def _with_secret(response, subscription, secret):
    """The answer showing ``subscription`` and its new signing secret, which no cache may keep."""
    wire = Subscription.from_record(subscription)
    with_etag(response, wire)
    response.headers["Cache-Control"] = "no-store"  # the answer holds a secret (as RFC 6749 §5.1 asks of tokens)
    return SubscriptionCreated(**wire.model_dump(), signing_secret=secret)


@router.get("", response_model=Page[Subscription], summary="List this client's subscriptions", responses=PAGE_RESPONSES)
def search_subscriptions(
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
    page: Annotated[Paging, Depends(paging("Subscription", SUBSCRIPTION_SORTS))],
) -> Page[Subscription]:
    domain = subscription_service.own_domain(env, client)
    total, records = registry.search_visible(env["g2p.api.subscription"].sudo(), client, MANAGE, domain, page)
    return Page[Subscription].of(page, total, [Subscription.from_record(record) for record in records])


@router.get(
    "/{uuid}",
    response_model=Subscription,
    summary="Read a subscription",
    responses={**versioned_responses(), **NOT_FOUND},
)
def read_subscription(
    uuid: UuidPath,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
) -> Subscription:
    return with_etag(response, Subscription.from_record(subscription_service.get(env, client, uuid)))


@router.post(
    "",
    response_model=SubscriptionCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to registry events; the answer shows the signing secret, once",
    responses={**versioned_responses(201), **CONFLICT},
)
def create_subscription(
    body: SubscriptionCreate,
    request: Request,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
) -> SubscriptionCreated:
    subscription, secret = subscription_service.create(env, client, body, call_context(request).endpoint_id)
    return with_location(request, response, _with_secret(response, subscription, secret))


@router.patch(
    "/{uuid}",
    response_model=Subscription,
    summary="Change a subscription's name, target URL or events",
    responses={**versioned_responses(write=True), **NOT_FOUND},
)
def patch_subscription(
    uuid: UuidPath,
    body: SubscriptionPatch,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
    if_match: IfMatch,
) -> Subscription:
    subscription = subscription_service.update(env, client, _for_write(env, client, uuid, if_match), body)
    return with_etag(response, Subscription.from_record(subscription))


@router.post(
    "/{uuid}/secret",
    response_model=SubscriptionCreated,
    summary="Replace the signing secret of a subscription signed with HMAC; the answer shows the new one, once",
    responses={**versioned_responses(write=True), **NOT_FOUND, **CONFLICT},
)
def rotate_subscription_secret(
    uuid: UuidPath,
    response: Response,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
    if_match: IfMatch,
) -> SubscriptionCreated:
    subscription = _for_write(env, client, uuid, if_match)
    return _with_secret(response, subscription, subscription_service.rotate_secret(subscription))


@router.delete(
    "/{uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a subscription (its deliveries stay recorded)",
    responses={**PRECONDITION_RESPONSES, **NOT_FOUND},
)
def delete_subscription(
    uuid: UuidPath,
    env: Annotated[Environment, Depends(api_env)],
    client: Annotated[object, Depends(require_scope(MANAGE))],
    if_match: IfMatch,
) -> Response:
    subscription_service.delete(_for_write(env, client, uuid, if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)

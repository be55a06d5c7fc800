"""Provincial operators' view of every agency's subscriptions: state, dead letters, replay."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get, post
from litestar.params import Parameter

from backend.lib.auth import provincial_only
from backend.lib.bounds import OFFSET_MAX, SAFE_INT_MAX
from backend.lib.openapi import errors
from backend.subscriptions import manage
from backend.subscriptions import schemas as s

TAGS = ["agency subscriptions", "operations"]
BASE = "/api/v1/subscriptions"


@get(
    BASE,
    guards=[provincial_only],
    tags=TAGS,
    summary="Every agency's subscriptions",
    description="Provincial operators: all subscriptions with their state (`failing`: a dead letter holds the rest), "
    "waiting and dead deliveries and the last error.",
)
async def list_all(
    limit: Annotated[int, Parameter(ge=1, le=200)] = 100, offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0
) -> list[s.SubscriptionOut]:
    return await manage.list_for(None, limit=limit, offset=offset)


@get(
    BASE + "/{subscription_id:uuid}/deliveries",
    guards=[provincial_only],
    tags=TAGS,
    summary="A subscription's deliveries",
    description="As the agency sees them; `state=dead` for the dead letters with their error. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def deliveries(
    subscription_id: uuid.UUID,
    delivery_state: Annotated[s.DeliveryState | None, Parameter(query="state")] = None,
    after: Annotated[int, Parameter(ge=0, le=SAFE_INT_MAX)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
) -> s.DeliveryPage:
    return await manage.deliveries(subscription_id, None, state=delivery_state, after=after, limit=limit)


@post(
    BASE + "/{subscription_id:uuid}/replay",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Replay a subscription's dead letters",
    description="As the agency's replay: from the first dead delivery (or `from_seq`) on, in order. "
    "404 `subscription.not_found`; 409 `subscription.nothing_to_replay`, `subscription.dead_letter_first`, `subscription.pull_only`.",
    responses=errors(
        e404="subscription.not_found",
        e409="subscription.nothing_to_replay, subscription.dead_letter_first, subscription.pull_only",
    ),
)
async def replay(subscription_id: uuid.UUID, data: s.ReplayRequest, now: int) -> s.ReplayOut:
    return await manage.replay(subscription_id, None, data, now)


MANAGE_ROUTES = [list_all, deliveries, replay]

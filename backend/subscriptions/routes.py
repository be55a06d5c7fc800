"""Agencies' subscriptions: create and manage them, read dead letters, replay, and pull the event feed."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.params import Parameter

from backend.keys.keyring import Keyring
from backend.lib.auth import AGENCY, Principal, requires
from backend.lib.bounds import OFFSET_MAX, SAFE_INT_MAX
from backend.lib.errors import ApiError
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.subscriptions import feed as feeds
from backend.subscriptions import manage
from backend.subscriptions import schemas as s
from backend.subscriptions.routes_operators import MANAGE_ROUTES

TAGS = ["agency subscriptions"]
BASE = "/api/v1/agency/subscriptions"
GUARD = [requires(AGENCY)]
SEE_DOC = " The full contract, signatures included, is in docs/webhooks.md."


def _agency(request: Request[Principal, Any, Any]) -> str:
    if not request.user.org_id:
        raise ApiError(403, "agency.unknown", "This credential's agency is not registered.")
    return request.user.org_id


@post(
    BASE,
    status_code=201,
    guards=GUARD,
    tags=TAGS,
    summary="Subscribe to events",
    description="Events of the kinds in `event_types` (`card.status_changed`, `card.account_changed`, "
    "`certificate.changed`) for holders your agency has a basis for at the event's time: a consent covering it, or the "
    "statute in `legal_basis` for certificate types the law gives your agency. With `url` they are POSTed there as "
    "Standard Webhooks signed with the `whsec_` secret answered here once; without, pull them from "
    "`GET /api/v1/agency/events`. 422 `subscription.bad_url`, `subscription.private_url`; 409 `subscription.too_many`." + SEE_DOC,
    responses=errors(e409="subscription.too_many", e422="subscription.bad_url, subscription.private_url"),
)
async def create(
    request: Request[Principal, Any, Any], data: s.SubscriptionCreate, keyring: Keyring, settings: Settings, now: int
) -> s.SubscriptionCreated:
    return await manage.create(_agency(request), request.user.id, data, keyring, settings, now)


@get(BASE, guards=GUARD, tags=TAGS, summary="My subscriptions", description="Your agency's subscriptions, newest first.")
async def list_mine(
    request: Request[Principal, Any, Any],
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> list[s.SubscriptionOut]:
    return await manage.list_for(_agency(request), limit=limit, offset=offset)


@get(
    BASE + "/{subscription_id:uuid}",
    guards=GUARD,
    tags=TAGS,
    summary="A subscription",
    description="Its state (`active`, `paused`, `failing`: a dead letter holds later deliveries until a replay), "
    "waiting and dead deliveries. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def get_one(request: Request[Principal, Any, Any], subscription_id: uuid.UUID) -> s.SubscriptionOut:
    return await manage.get(subscription_id, _agency(request))


@post(
    BASE + "/{subscription_id:uuid}/pause",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Pause deliveries",
    description="Deliveries wait (in order) until resumed. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def pause(request: Request[Principal, Any, Any], subscription_id: uuid.UUID, now: int) -> s.SubscriptionOut:
    return await manage.set_paused(subscription_id, _agency(request), True, now)


@post(
    BASE + "/{subscription_id:uuid}/resume",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Resume deliveries",
    description="A paused subscription sends what waited, in order. A failing one resumes by a replay. "
    "404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def resume(request: Request[Principal, Any, Any], subscription_id: uuid.UUID, now: int) -> s.SubscriptionOut:
    return await manage.set_paused(subscription_id, _agency(request), False, now)


@post(
    BASE + "/{subscription_id:uuid}/rotate-secret",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Rotate the signing secret",
    description="A new `whsec_` secret, answered this once. For 24 hours both sign each delivery (two space-separated "
    "`v1,` signatures), so receivers can switch without losing one. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def rotate(
    request: Request[Principal, Any, Any], subscription_id: uuid.UUID, keyring: Keyring, now: int
) -> s.SecretRotated:
    return await manage.rotate(subscription_id, _agency(request), keyring, now)


@delete(
    BASE + "/{subscription_id:uuid}",
    status_code=204,
    guards=GUARD,
    tags=TAGS,
    summary="Delete a subscription",
    description="It and its deliveries are gone; holders' access records keep what was delivered. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def remove(request: Request[Principal, Any, Any], subscription_id: uuid.UUID) -> None:
    await manage.delete(subscription_id, _agency(request))


@get(
    BASE + "/{subscription_id:uuid}/deliveries",
    guards=GUARD,
    tags=TAGS,
    summary="Deliveries (dead letters with state=dead)",
    description="Deliveries in seq order after `after`, with attempts and the last error; `state=dead` lists the "
    "dead letters. Page on with `next_after`. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def deliveries(
    request: Request[Principal, Any, Any],
    subscription_id: uuid.UUID,
    delivery_state: Annotated[s.DeliveryState | None, Parameter(query="state")] = None,
    after: Annotated[int, Parameter(ge=0, le=SAFE_INT_MAX)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
) -> s.DeliveryPage:
    return await manage.deliveries(subscription_id, _agency(request), state=delivery_state, after=after, limit=limit)


@post(
    BASE + "/{subscription_id:uuid}/replay",
    status_code=200,
    guards=GUARD,
    tags=TAGS,
    summary="Replay",
    description="Send again from the first dead delivery (or `from_seq`) on, in order; the subscription becomes active. "
    "Each delivery keeps its `webhook-id`. 404 `subscription.not_found`; 409 `subscription.nothing_to_replay`, `subscription.dead_letter_first`, "
    "`subscription.pull_only`.",
    responses=errors(
        e404="subscription.not_found",
        e409="subscription.nothing_to_replay, subscription.dead_letter_first, subscription.pull_only",
    ),
)
async def replay(
    request: Request[Principal, Any, Any], subscription_id: uuid.UUID, data: s.ReplayRequest, now: int
) -> s.ReplayOut:
    return await manage.replay(subscription_id, _agency(request), data, now)


@get(
    "/api/v1/agency/events",
    guards=GUARD,
    tags=TAGS,
    summary="Event feed",
    description="A subscription's events with seq > `after`, oldest first (the bodies its webhooks carry, with their "
    "`id` = webhook-id). Pass `next_after` back as `after`; an empty page means nothing new yet. Every event served "
    "goes on its holder's access record. 404 `subscription.not_found`.",
    responses=errors(e404="subscription.not_found"),
)
async def feed(
    request: Request[Principal, Any, Any],
    subscription: uuid.UUID,
    after: Annotated[int, Parameter(ge=0, le=SAFE_INT_MAX)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> s.FeedPage:
    return await feeds.page(subscription, _agency(request), request.user.id, after=after, limit=limit)


ROUTES = [create, list_mine, get_one, pause, resume, rotate, remove, deliveries, replay, feed, *MANAGE_ROUTES]

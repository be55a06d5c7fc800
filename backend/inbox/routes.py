"""HTTP routes of the inbox: the holder's notices and unread count, their browsers' push subscriptions,
and the VAPID public key browsers subscribe with. Personal answers are never cached (lib/headers.py)."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.params import Parameter

from backend.inbox import notices, subscriptions
from backend.inbox import schemas as s
from backend.keys.keyring import Keyring, vapid_public
from backend.lib.auth import Principal, proven_citizen
from backend.lib.bounds import OFFSET_MAX
from backend.lib.errors import ApiError
from backend.lib.openapi import error, errors
from backend.lib.settings import Settings

TAGS = ["inbox"]
NOTICE_404 = {404: error("`notice.not_found`: you have no notice with this id.")}


def _person(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal: Principal = request.user
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(principal.person_id)


@get(
    "/api/v1/me/inbox",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My inbox",
    description="The notices of the signed-in holder, newest first: card loss reports and lifts, replacement and "
    "cancellation, new devices, sessions and sign-in methods, e-card activation, proofing attempts, agency queries, "
    "certificates, consents used, family proxies. With the total and the unread count. Open to an account not yet "
    "proven: it is about the account as much as the card.",
)
async def my_inbox(
    request: Request[Any, Any, Any],
    limit: Annotated[int, Parameter(ge=1, le=100, description="Page size.")] = 20,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX, description="Notices to skip.")] = 0,
) -> s.InboxPage:
    return await notices.page(_person(request), limit=limit, offset=offset)


@get(
    "/api/v1/me/inbox/unread-count",
    guards=[proven_citizen],
    tags=TAGS,
    summary="How many notices are unread",
    description="The unread count for the wallet's badge; cheap to poll.",
)
async def unread_count(request: Request[Any, Any, Any]) -> s.UnreadCount:
    return await notices.unread_count(_person(request))


@post(
    "/api/v1/me/inbox/{notice_id:uuid}/read",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    responses=NOTICE_404,
    summary="Mark a notice read",
    description="Marks one of the holder's notices read; marking it again keeps the first time. 404 "
    "`notice.not_found` for a notice that is not the holder's.",
)
async def mark_read(request: Request[Any, Any, Any], notice_id: uuid.UUID, now: int) -> s.NoticeOut:
    return await notices.mark_read(_person(request), notice_id, now)


@post(
    "/api/v1/me/inbox/read-all",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Mark every notice read",
    description="Marks every unread notice of the holder read; says how many it marked.",
)
async def read_all(request: Request[Any, Any, Any], now: int) -> s.ReadAll:
    return await notices.read_all(_person(request), now)


@get(
    "/api/v1/me/push/subscriptions",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My browsers that take notifications",
    description="The holder's live Web Push subscriptions: the push service's host, language and when a push last "
    "got through. Subscriptions a push service reported gone are left out.",
)
async def my_subscriptions(request: Request[Any, Any, Any]) -> list[s.SubscriptionOut]:
    return await subscriptions.list_for(_person(request))


@post(
    "/api/v1/me/push/subscriptions",
    status_code=201,
    guards=[proven_citizen],
    tags=TAGS,
    responses=errors(
        e409="`push.too_many`: this person already has the most browsers taking notifications; or `push.busy`.",
        e422="`push.bad_endpoint` (not an https URL), `push.unknown_service` (not a push service this server sends to) "
        "or `push.bad_keys` (p256dh is not a P-256 public key, or auth is not 16 bytes).",
    ),
    summary="Turn on notifications in this browser",
    description="Keeps this browser's Web Push subscription (the JSON of `PushSubscription`, subscribed with the key "
    "from `GET /api/v1/push/vapid-public-key`) and the language its notifications are written in. The endpoint "
    "must be https to a known push service. Subscribing the same endpoint again replaces what was kept for it, "
    "also when another person has signed in on the browser since. Pushes carry the event and a short line; "
    "the wallet fetches the notice itself.",
)
async def subscribe(request: Request[Any, Any, Any], data: s.SubscriptionIn, settings: Settings, now: int) -> s.SubscriptionOut:
    return await subscriptions.subscribe(_person(request), request.user.id, data, settings, now)


@delete(
    "/api/v1/me/push/subscriptions/{subscription_id:uuid}",
    status_code=204,
    guards=[proven_citizen],
    tags=TAGS,
    responses={404: error("`push.subscription_not_found`: you have no push subscription with this id.")},
    summary="Turn off notifications in a browser",
    description="Forgets one of the holder's push subscriptions: nothing is pushed to it any more.",
)
async def unsubscribe(request: Request[Any, Any, Any], subscription_id: uuid.UUID) -> None:
    await subscriptions.unsubscribe(_person(request), subscription_id)


@get(
    "/api/v1/push/vapid-public-key",
    tags=TAGS,
    sync_to_thread=False,
    summary="The key browsers subscribe to notifications with",
    description="The VAPID public key (RFC 8292) of this service, for `PushManager.subscribe({applicationServerKey})`: "
    "65 bytes, base64url. Public. `enabled` is false when this service sends no pushes (then the wallet offers none).",
)
def vapid_key(keyring: Keyring, settings: Settings) -> s.VapidKey:
    if not settings.push_enabled or keyring.vapid is None:
        return s.VapidKey(enabled=False)
    public = base64.urlsafe_b64encode(vapid_public(keyring.vapid)).rstrip(b"=").decode()
    return s.VapidKey(enabled=True, public_key=public)


ROUTES = [my_inbox, unread_count, mark_read, read_all, my_subscriptions, subscribe, unsubscribe, vapid_key]

"""The holder's routes: the relatives I act for (add, list, end, show their code, activate their e-card)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, get, post
from litestar.datastructures import CacheControlHeader

from backend.family import proxying, relations, views
from backend.family.schemas import AddRelative, FamilyPage, RelativeCode, RelativeEcard, RelativeOut
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, proven_citizen
from backend.lib.openapi import error, errors
from backend.lib.settings import Settings
from backend.lib.store import Store

TAGS = ["family", "me"]
NO_STORE = CacheControlHeader(no_store=True)
NOT_PROVEN = error(
    "`auth.wrong_role`, `identity.not_proven`, or `family.not_proven`: acting for relatives needs an account proven "
    "at a counter, through the bank or a provider"
)
FOUND = "`family.not_found`: no such relation of yours"


@get(
    "/api/v1/me/family",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My relatives",
    description="The relatives you act for or asked to act for (亲情服务), newest first, with their status (pending until "
    "they or a counter agree: a pending relation gives nothing), how it was agreed, and what each limit leaves: at "
    "most 10 relatives, 4 elders, 3 children, 1 spouse, 2 others (pending and active ones count). Names and document "
    "numbers masked.",
)
async def my_family(request: Request[Principal, Any, Any], keyring: Keyring) -> FamilyPage:
    return await views.family_of(relations.person_of(request.user), keyring)


@post(
    "/api/v1/me/family",
    status_code=201,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Add a relative",
    description="Asks to act for a relative named by identity document (in the body) and name; both must match a known "
    "person. Needs an account proven at a counter, through the bank or a provider, and a fresh factor (step-up). The "
    "relation is pending: an adult relative agrees from their own account (they are told) or in person at a counter; "
    "for a child under 16 the guardianship is proven at a counter. Refusals: 403 `auth.step_up_required`, 404 "
    "`family.relative_not_found`, 409 `family.limit_reached` (details.relationship, details.limit), 409 "
    "`family.total_limit_reached`, 409 `family.duplicate`, 422 `family.self`, 422 `family.bad_relationship` (a "
    "child under 16 as elder or spouse), 422 `document.*`, 429 `family.rate_limited`.",
    responses={
        403: error("`identity.not_proven`, `family.not_proven` or `auth.step_up_required` (details.step_up names the route)"),
        **errors(
            e404="`family.relative_not_found`: no one with this document and name",
            e409="`family.limit_reached`, `family.total_limit_reached` or `family.duplicate`",
            e422="`family.self`, `family.bad_relationship` or `document.*`",
            e429="`family.rate_limited`: at most 20 adds an hour",
        ),
    },
)
async def add_relative(
    request: Request[Principal, Any, Any], data: AddRelative, keyring: Keyring, store: Store, now: int
) -> RelativeOut:
    relation = await relations.add(request.user, data, keyring=keyring, store=store, now=now)
    return await views.one_relative(relation, keyring)


@delete(
    "/api/v1/me/family/{relation_id:uuid}",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Stop acting for a relative",
    description="Ends a pending or active relation; the relative is told and it is on their record. 404 "
    "`family.not_found`, 409 `family.not_pending` (already ended or refused).",
    responses=errors(e404=FOUND, e409="`family.not_pending`: already ended or refused"),
)
async def end_relative(request: Request[Principal, Any, Any], relation_id: uuid.UUID, keyring: Keyring, now: int) -> RelativeOut:
    relation = await relations.end(request.user, relation_id, side="holder", now=now)
    return await views.one_relative(relation, keyring)


@post(
    "/api/v1/me/family/{relation_id:uuid}/code",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="Show a relative's code",
    description="Mints a fresh online code (as `POST /api/v1/me/codes/online`) for the card of a relative you actively "
    "act for. The venue's verification of it is on the relative's record as presented by you (family), and so is "
    "this code. 404 `family.not_found` or `family.relative_no_card`, 409 `family.not_active` or "
    "`family.relative_card_not_usable` (details.state, details.ecard_level: 0 means activate it first), 429 "
    "`codes.rate_limited`.",
    responses={
        403: NOT_PROVEN,
        **errors(
            e404=f"{FOUND}, or `family.relative_no_card`",
            e409="`family.not_active`, or `family.relative_card_not_usable` with details.state and details.ecard_level",
            e429="`codes.rate_limited`",
        ),
    },
)
async def relative_code(
    request: Request[Principal, Any, Any], relation_id: uuid.UUID, keyring: Keyring, store: Store, settings: Settings, now: int
) -> RelativeCode:
    return await proxying.show_code(request.user, relation_id, keyring=keyring, store=store, settings=settings, now=now)


@post(
    "/api/v1/me/family/{relation_id:uuid}/ecard",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Activate a relative's e-card",
    description="Issues the e-card of a relative you actively act for, proven by you (assurance 1, method family): "
    "enough for most scenarios, not for those that ask more (hotel check-in). Only when it is not issued yet. 404 "
    "`family.not_found`, `family.relative_no_card` or `card.not_found`, 409 `family.not_active`, "
    "`family.ecard_already_issued` or `card.not_active`.",
    responses={
        403: NOT_PROVEN,
        **errors(
            e404=f"{FOUND}, `family.relative_no_card` or `card.not_found`",
            e409="`family.not_active`, `family.ecard_already_issued`, `card.not_active` or `family.busy`",
        ),
    },
)
async def relative_ecard(request: Request[Principal, Any, Any], relation_id: uuid.UUID, now: int) -> RelativeEcard:
    return await proxying.activate_ecard(request.user, relation_id, now=now)


ROUTES = [my_family, add_relative, end_relative, relative_code, relative_ecard]

"""The relative's routes: who acts (or asks to act) for me; agree, refuse, end."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, get, post

from backend.family import relations, views
from backend.family.schemas import ProxyOut, ProxyPage
from backend.lib.auth import Principal, proven_citizen
from backend.lib.openapi import error, errors

TAGS = ["family", "me"]
NOT_PROVEN = error(
    "`auth.wrong_role`, `identity.not_proven`, or `family.not_proven`: agreeing from an account needs one proven "
    "at a counter, through the bank or a provider"
)
FOUND = "`family.not_found`: no such relation of yours"


@get(
    "/api/v1/me/proxies",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Who can act for me",
    description="Every family relation in which someone acts (or asks to act) for you, newest first: who (masked), "
    "what they say you are to them, status, since when, how it was agreed; `can_accept` on requests you may agree "
    "to from this account.",
)
async def my_proxies(request: Request[Principal, Any, Any]) -> ProxyPage:
    return await views.proxies_of(relations.person_of(request.user), request.user.assurance)


@post(
    "/api/v1/me/proxies/{relation_id:uuid}/accept",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Agree to a family request",
    description="You agree that the requester may show your card's code and activate your e-card for you. Needs an "
    "account proven at a counter, through the bank or a provider (else agree in person at a counter). 403 "
    "`family.not_proven`, 404 `family.not_found`, 409 `family.not_pending`, 409 `family.guardianship_at_counter`.",
    responses={
        403: NOT_PROVEN,
        **errors(e404=FOUND, e409="`family.not_pending` or `family.guardianship_at_counter`"),
    },
)
async def accept_proxy(request: Request[Principal, Any, Any], relation_id: uuid.UUID, now: int) -> ProxyOut:
    relation = await relations.accept(request.user, relation_id, now=now)
    return await views.one_proxy(relation, request.user.assurance)


@post(
    "/api/v1/me/proxies/{relation_id:uuid}/refuse",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Refuse a family request",
    description="You say no to a pending request; the requester is told. 404 `family.not_found`, 409 `family.not_pending`.",
    responses=errors(e404=FOUND, e409="`family.not_pending`"),
)
async def refuse_proxy(request: Request[Principal, Any, Any], relation_id: uuid.UUID, now: int) -> ProxyOut:
    relation = await relations.refuse(request.user, relation_id, now=now)
    return await views.one_proxy(relation, request.user.assurance)


@delete(
    "/api/v1/me/proxies/{relation_id:uuid}",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Stop someone acting for me",
    description="Ends a pending or active relation at once, at will; the proxy is told and can do nothing more. 404 "
    "`family.not_found`, 409 `family.not_pending` (already ended or refused).",
    responses=errors(e404=FOUND, e409="`family.not_pending`"),
)
async def end_proxy(request: Request[Principal, Any, Any], relation_id: uuid.UUID, now: int) -> ProxyOut:
    relation = await relations.end(request.user, relation_id, side="relative", now=now)
    return await views.one_proxy(relation, request.user.assurance)


ROUTES = [my_proxies, accept_proxy, refuse_proxy, end_proxy]

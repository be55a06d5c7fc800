"""Counter routes: the relative agrees in person, or the guardianship of a child is proven."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, post

from backend.family import relations, views
from backend.family.schemas import CounterConsent, CounterRequests, CounterSearch, RelativeOut
from backend.keys.keyring import Keyring
from backend.lib.auth import COUNTER, SUPERVISOR, Principal, requires
from backend.lib.openapi import errors

TAGS = ["family", "staff"]
counter_staff = requires(COUNTER, SUPERVISOR)


@post(
    "/api/v1/staff/family/requests/search",
    status_code=200,
    guards=[counter_staff],
    tags=TAGS,
    summary="Find family requests for the person at the counter",
    description="The pending requests to act for the person whose document the clerk holds (document in the body, "
    "never in a URL). The lookup is on that person's access record. An unknown document gives an empty list.",
    responses=errors(e422="`document.*`: the document number is not valid"),
)
async def search_requests(request: Request[Principal, Any, Any], data: CounterSearch, keyring: Keyring) -> CounterRequests:
    _, pending = await relations.pending_for(request.user, keyring, data.doc_type, data.id_number)
    return await views.counter_requests(keyring, pending)


@post(
    "/api/v1/staff/family/relations/{relation_id:uuid}/consent",
    status_code=200,
    guards=[counter_staff],
    tags=TAGS,
    summary="Record consent at the counter",
    description="The clerk checked and records it, with their name and office: `in_person` (the adult relative agreed "
    "here, `identity_document` checked) or `guardianship` (the holder is the guardian: `household_register`, "
    "`birth_certificate` or `guardianship_document` checked; the only way for a child under 16). The relation "
    "becomes active; both sides are told. 404 `family.not_found`, 409 `family.not_pending` or "
    "`family.guardianship_required`, 422 `family.bad_evidence`.",
    responses=errors(
        e404="`family.not_found`",
        e409="`family.not_pending` or `family.guardianship_required`",
        e422="`family.bad_evidence`: the evidence does not fit the basis",
    ),
)
async def counter_consent(
    request: Request[Principal, Any, Any], relation_id: uuid.UUID, data: CounterConsent, keyring: Keyring, now: int
) -> RelativeOut:
    relation = await relations.counter_consent(request.user, relation_id, data, now=now)
    return await views.one_relative(relation, keyring)


ROUTES = [search_requests, counter_consent]

"""HTTP routes for the holder: my HR file, newest first, by kind, one record, a summary."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.hrfile import schemas as s
from backend.hrfile import views
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import errors

TAGS = ["hr file", "me"]
NO_STORE = CacheControlHeader(no_store=True)


def _person(request: Request[Principal, Any, Any]) -> str:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return request.user.person_id


@get(
    "/api/v1/me/hrfile",
    guards=[proven_citizen],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="My HR file",
    description="Your records, newest first (by the day they took effect), each with its source, legal basis and "
    "time; a corrected record stays, with `status: corrected` and `corrected_by`, beside the correction. `kind` "
    "filters; pass `next` as `before` for the next page. 422 `hrfile.bad_cursor`.",
    responses=errors(e422="`hrfile.bad_cursor`"),
)
async def my_records(
    request: Request[Principal, Any, Any],
    kind: Annotated[s.HrKind | None, Parameter(description="Only records of this kind")] = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    before: Annotated[uuid.UUID | None, Parameter(description="`next` of the page before")] = None,
) -> s.RecordPage:
    return await views.page_of(_person(request), kind=kind, limit=limit, before=before)


@get(
    "/api/v1/me/hrfile/summary",
    guards=[proven_citizen],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="My HR file by kind",
    description="For each kind you have records of: how many (corrected ones not counted) and the latest day one took effect.",
)
async def my_summary(request: Request[Principal, Any, Any]) -> list[s.KindSummary]:
    return await views.summary_of(_person(request))


@get(
    "/api/v1/me/hrfile/{record_id:uuid}",
    guards=[proven_citizen],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="One record of my HR file",
    description="404 `hrfile.not_found` for a record that is not yours.",
    responses=errors(e404="`hrfile.not_found`"),
)
async def my_record(request: Request[Principal, Any, Any], record_id: uuid.UUID) -> s.RecordOut:
    return await views.one_of(_person(request), record_id)


ROUTES = [my_records, my_summary, my_record]

"""HTTP routes of the service-point directory (public search, staff upkeep); ROUTES adds those of tickets."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.lib.auth import Principal, staff_only
from backend.lib.openapi import error
from backend.servicepoints import directory
from backend.servicepoints.routes_tickets import TICKET_ROUTES
from backend.servicepoints.schemas import PointCreate, PointList, PointOut, PointUpdate
from backend.servicepoints.vocab import FACILITIES, KINDS, SERVICES

TAGS = ["service points"]
ERRORS = {
    403: error("Not allowed for this city."),
    404: error("No such service point."),
    409: error("Changed since you read it."),
    422: error("Unknown city, blank text or bad hours."),
}


@get(
    "/api/v1/service-points",
    summary="Find service points and terminals",
    description=(
        "The public directory of service points (服务网点) and self-service terminals: address, "
        "opening hours, services offered, accessibility facilities. Search by `city_code`, "
        "`service`, `facility`, `kind` and words in the name, address or district (`q`, any language)."
    ),
    tags=TAGS,
    cache_control=CacheControlHeader(public=True, max_age=60),
)
async def search_points(
    city_code: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    service: Annotated[Literal[SERVICES] | None, Parameter(description="One of the services offered.")] = None,  # type: ignore[valid-type]
    facility: Literal[FACILITIES] | None = None,  # type: ignore[valid-type]
    kind: Literal[KINDS] | None = None,  # type: ignore[valid-type]
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=100_000)] = 0,
) -> PointList:
    points, next_offset = await directory.search(
        city=city_code, service=service, facility=facility, kind=kind, q=q, include_inactive=False, limit=limit, offset=offset
    )
    return PointList(items=points, next_offset=next_offset)


@get(
    "/api/v1/service-points/{point_id:uuid}",
    summary="One service point",
    description="A service point or terminal of the public directory (deactivated ones are 404).",
    tags=TAGS,
    responses=ERRORS,
)
async def get_point(point_id: uuid.UUID) -> PointOut:
    return await directory.get_point(point_id)


@post(
    "/api/v1/service-points",
    summary="Add a service point or terminal",
    description="Provincial operators add anywhere; a city's supervisors in their city.",
    tags=TAGS,
    guards=[staff_only],
    responses=ERRORS,
)
async def create_point(request: Request[Principal, Any, Any], data: PointCreate) -> PointOut:
    return await directory.create_point(request.user, data)


@patch(
    "/api/v1/service-points/{point_id:uuid}",
    summary="Change a service point",
    description=(
        "Changes the given fields. Send the `version` you read: if someone changed it since, 409 "
        "`service_point.conflict`. `active: false` takes it out of the public directory."
    ),
    tags=TAGS,
    guards=[staff_only],
    responses=ERRORS,
)
async def update_point(request: Request[Principal, Any, Any], point_id: uuid.UUID, data: PointUpdate) -> PointOut:
    return await directory.update_point(request.user, point_id, data)


ROUTES = [search_points, get_point, create_point, update_point, *TICKET_ROUTES]

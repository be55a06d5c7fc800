"""HTTP routes of the catalog about venues: the venues registered under an item, usage reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.params import Parameter

from backend.catalog import services as catalog
from backend.catalog.access import ensure_manage, report_scope
from backend.catalog.schemas import MANAGE_ERRORS as ERRORS
from backend.catalog.schemas import ItemCodePath as Code
from backend.catalog.vocab import CST
from backend.lib.auth import Principal, staff_only
from backend.lib.openapi import error
from backend.venues import reports, services
from backend.venues.schemas import UsageReport, VenueLinks

# Listed with the catalog's management routes (same tag, same paths); the code lives here
# because it reads venues' own tables.
TAGS = ["catalog management"]
guards = [staff_only]


@get(
    "/api/v1/catalog/items/{code:str}/venues",
    summary="Venues registered under an item",
    description="The venues registered for the item's scenarios (a city extension's venues count under the provincial item too).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def item_venues(
    request: Request[Principal, Any, Any],
    code: Code,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> VenueLinks:
    item = await catalog.get_item(code)
    ensure_manage(request.user, item["scope"])
    rows, next_offset = await services.venues_of_item(code, limit=limit, offset=offset)
    return VenueLinks(item_code=code, items=rows, next_offset=next_offset)


@get(
    "/api/v1/catalog/reports/usage",
    summary="Card use per item, city and venue type",
    description=(
        "Counts of accepted (`uses`) and refused verifications per period (day, ISO week or month, "
        "China Standard Time), catalog item, city and venue type, from the verification records. "
        "Aggregates only: no card, person, code, scanner or venue appears. At most 366 days "
        "(default: the last 30). Provincial operators see every city; supervisors their own."
    ),
    tags=TAGS,
    guards=guards,
    responses={**ERRORS, 422: error("Bad or too long date range.")},
)
async def usage_report(
    request: Request[Principal, Any, Any],
    from_date: Annotated[dt.date | None, Parameter(query="from", description="First day (YYYY-MM-DD).")] = None,
    to_date: Annotated[dt.date | None, Parameter(query="to", description="Last day, included.")] = None,
    bucket: Literal["day", "week", "month"] = "day",
    city_code: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$")] = None,
    venue_type: Annotated[str | None, Parameter(pattern=r"^[a-z][a-z0-9_]{1,31}$")] = None,
    item: Annotated[str | None, Parameter(max_length=64, pattern=r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$")] = None,
) -> UsageReport:
    city = report_scope(request.user, city_code)
    end = to_date or dt.datetime.now(CST).date()
    start = from_date or end - dt.timedelta(days=29)
    rows = await reports.usage(start=start, end=end, bucket=bucket, city_code=city, venue_type=venue_type, item=item)
    return UsageReport(
        from_date=start,
        to_date=end,
        bucket=bucket,
        timezone="Asia/Shanghai",
        city_code=city,
        rows=rows,
        total_uses=sum(r.uses for r in rows),
        total_refused=sum(r.refused for r in rows),
    )


CATALOG_ROUTES = [item_venues, usage_report]

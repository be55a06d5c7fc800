"""HTTP routes for operators: drafting, review, publication, withdrawal, venues and usage reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Request, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from backend.catalog import lifecycle, reports, services, views
from backend.catalog.access import ensure_manage, report_scope
from backend.catalog.schemas import (
    ContentIn,
    ItemCreate,
    ManagedItem,
    PublishRequest,
    QueueOut,
    ReturnRequest,
    UsageReport,
    UsageRow,
    VenueLink,
    VenueLinks,
    WithdrawRequest,
)
from backend.catalog.vocab import CST
from backend.lib.auth import staff_only
from backend.lib.errors import ErrorResponse

Code = Annotated[
    str, Parameter(min_length=3, max_length=64, pattern=r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$", description="Item code.")
]
Number = Annotated[int, Parameter(ge=1, le=100_000, description="Version number.")]
ERRORS = {
    403: ResponseSpec(ErrorResponse, description="Not staff, or not allowed for this catalog."),
    404: ResponseSpec(ErrorResponse, description="No such item or version."),
    409: ResponseSpec(ErrorResponse, description="Not in the right state, or a scenario name taken."),
    422: ResponseSpec(ErrorResponse, description="Content or dates break a catalog rule."),
}
TAGS = ["catalog management"]
guards = [staff_only]


@post(
    "/api/v1/catalog/items",
    summary="Create a catalog item",
    description=(
        "A new item of the provincial catalog (`scope` 440000, provincial operators) or of a city's "
        "catalog (city supervisors of that city, or provincial operators), with version 1 as a draft. "
        "A city item may `extends` a provincial item to add scenarios under it for that city; it can "
        "never remove or change provincial scenarios. Scenario names are unique across the catalog."
    ),
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def create_item(request: Request, data: ItemCreate) -> ManagedItem:
    code = await lifecycle.create_item(request.user, data)
    return await views.managed_item(request.user, code)


@get(
    "/api/v1/catalog/items/{code:str}/versions",
    summary="All versions of an item",
    description="Every version of the item, drafts and reviews included, newest first, with who did what.",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def item_versions(request: Request, code: Code) -> ManagedItem:
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions",
    summary="Draft a new version",
    description="The item's next version as a draft with this full content. An item has at most one draft or version in review (409 `catalog.version_open`).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def new_version(request: Request, code: Code, data: ContentIn) -> ManagedItem:
    await lifecycle.new_version(request.user, code, data)
    return await views.managed_item(request.user, code)


@put(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}",
    summary="Edit a draft",
    description="Replaces the content of a draft. Versions in review or published cannot change (409 `catalog.illegal_transition`).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def edit_draft(request: Request, code: Code, number: Number, data: ContentIn) -> ManagedItem:
    await lifecycle.edit_draft(request.user, code, number, data)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/submit",
    summary="Submit a draft for review",
    description="draft -> review. Another operator then publishes it or sends it back.",
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def submit(request: Request, code: Code, number: Number) -> ManagedItem:
    await lifecycle.submit(request.user, code, number)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/return",
    summary="Send a version back to draft",
    description="review -> draft, with the reviewer's reason in `returned_note`.",
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def send_back(request: Request, code: Code, number: Number, data: ReturnRequest) -> ManagedItem:
    await lifecycle.send_back(request.user, code, number, data.note)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/versions/{number:int}/publish",
    summary="Publish a version",
    description=(
        "review -> published, in effect from `effective_from` (default now; never in the past, 422 "
        "`catalog.effective_in_past`). The previous version ends then and stays in the history. "
        "The operator who submitted it cannot publish it (403 `catalog.same_reviewer`)."
    ),
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def publish(request: Request, code: Code, number: Number, data: PublishRequest) -> ManagedItem:
    await lifecycle.publish(request.user, code, number, data.effective_from)
    return await views.managed_item(request.user, code)


@post(
    "/api/v1/catalog/items/{code:str}/withdraw",
    summary="Withdraw an item",
    description=(
        "The item stops at `end` (default now; never in the past): scanners cannot verify its "
        "scenarios from then on, and a version scheduled for later never takes effect. Withdrawing a "
        "provincial item also ends the cities' extensions of it."
    ),
    tags=TAGS,
    guards=guards,
    status_code=200,
    responses=ERRORS,
)
async def withdraw(request: Request, code: Code, data: WithdrawRequest) -> ManagedItem:
    await lifecycle.withdraw(request.user, code, data.end, data.reason)
    return await views.managed_item(request.user, code)


@get(
    "/api/v1/catalog/queue",
    summary="Drafts and versions in review",
    description="Open versions of the catalogs you may manage, oldest first: provincial operators see all, supervisors their city's.",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def review_queue(
    request: Request,
    # `scope` is a reserved handler argument in Litestar (the ASGI scope), hence the alias.
    catalog_scope: Annotated[
        str | None, Parameter(query="scope", pattern=r"^[0-9]{6}$", description="One catalog: 440000 or a city.")
    ] = None,
    status: Literal["draft", "review"] | None = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
) -> QueueOut:
    return QueueOut(items=await views.queue(request.user, scope=catalog_scope, status=status, limit=limit))


@get(
    "/api/v1/catalog/items/{code:str}/venues",
    summary="Venues registered under an item",
    description="The venues registered for the item's scenarios (a city extension's venues count under the provincial item too).",
    tags=TAGS,
    guards=guards,
    responses=ERRORS,
)
async def item_venues(
    request: Request,
    code: Code,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> VenueLinks:
    item = await lifecycle.get_item(code)
    ensure_manage(request.user, item["scope"])
    rows, next_offset = await services.venues_of_item(code, limit=limit, offset=offset)
    return VenueLinks(item_code=code, items=[VenueLink(**r) for r in rows], next_offset=next_offset)


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
    responses={**ERRORS, 422: ResponseSpec(ErrorResponse, description="Bad or too long date range.")},
)
async def usage_report(
    request: Request,
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
        rows=[UsageRow(**r) for r in rows],
        total_uses=sum(r["uses"] for r in rows),
        total_refused=sum(r["refused"] for r in rows),
    )


MANAGE_ROUTES = [
    create_item,
    item_versions,
    new_version,
    edit_draft,
    submit,
    send_back,
    publish,
    withdraw,
    review_queue,
    item_venues,
    usage_report,
]

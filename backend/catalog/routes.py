"""HTTP routes of the catalog: the public catalog, its history and items (anyone), regions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.catalog import services, views
from backend.catalog.routes_manage import MANAGE_ROUTES
from backend.catalog.schemas import CatalogOut, HistoryOut, PublicItem, RegionList
from backend.catalog.vocab import DOMAINS
from backend.lib.errors import ApiError
from backend.lib.openapi import error

Region_ = Annotated[
    str, Parameter(pattern=r"^[0-9]{6}$", description="440000 for the provincial catalog, or a city's region code.")
]
Code = Annotated[
    str, Parameter(min_length=3, max_length=64, pattern=r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$", description="Item code.")
]
# Text, not dt.datetime: a datetime parameter also takes a bare number as seconds since 1970.
RFC3339 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
PUBLIC = CacheControlHeader(public=True, max_age=30)  # a change shows within half a minute
NOT_FOUND = {404: error("No such region or item.")}


def _moment(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:  # the pattern vouches for the shape; the calendar (30 February) is checked here
        return dt.datetime.fromisoformat(at.upper())
    except ValueError:
        raise ApiError(400, "request.invalid", "`at` is not a time in the calendar.", parameter="at") from None


@get(
    "/api/v1/catalog",
    summary="The catalog in effect",
    description=(
        "The application catalog (一卡通应用目录) in effect for the province (`region=440000`, the "
        "default) or a city: the provincial items plus the city's own items and extensions. Only "
        "published versions are shown, as in effect at `at` (default now). Filter with `q` (words "
        "in any of the three languages, codes, scenario names), `domain` and `venue_type`. Public."
    ),
    tags=["catalog"],
    cache_control=PUBLIC,
    responses=NOT_FOUND,
)
async def current_catalog(
    region: Region_ = "440000",
    at: Annotated[
        str | None,
        Parameter(pattern=RFC3339, schema_extra={"format": "date-time"}, description="RFC 3339 time with a zone; default now."),
    ] = None,
    q: Annotated[str | None, Parameter(max_length=100, description="Search words.")] = None,
    domain: Literal[DOMAINS] | None = None,  # type: ignore[valid-type]
    venue_type: Annotated[str | None, Parameter(pattern=r"^[a-z][a-z0-9_]{1,31}$")] = None,
) -> CatalogOut:
    moment = _moment(at)
    await services.check_region(region)
    return await views.catalog_view(region, moment, q=q, domain=domain, venue_type=venue_type)


@get(
    "/api/v1/catalog/history",
    summary="The catalog's change history",
    description=(
        "Every publication and withdrawal of the province's items (and, for a city, of the city's "
        "items too), newest decision first, with the date each takes or took effect. Public."
    ),
    tags=["catalog"],
    cache_control=PUBLIC,
    responses=NOT_FOUND,
)
async def catalog_history(
    region: Region_ = "440000",
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=100_000)] = 0,
) -> HistoryOut:
    await services.check_region(region)
    events, next_offset = await views.history(region, limit=limit, offset=offset)
    return HistoryOut(scope=region, items=events, next_offset=next_offset)


@get(
    "/api/v1/catalog/regions",
    summary="Regions with a catalog",
    description="The province (440000) and the cities whose catalogs extend it. Public.",
    tags=["catalog"],
    cache_control=PUBLIC,
)
async def catalog_regions() -> RegionList:
    return RegionList(items=await services.regions())


@get(
    "/api/v1/catalog/items/{code:str}",
    summary="A catalog item and its published versions",
    description="The item with every version ever published (newest first) and the one in effect now. Drafts are never shown. Public.",
    tags=["catalog"],
    cache_control=PUBLIC,
    responses=NOT_FOUND,
)
async def public_item(code: Code) -> PublicItem:
    return await views.public_item(code)


ROUTES = [current_catalog, catalog_history, catalog_regions, public_item, *MANAGE_ROUTES]

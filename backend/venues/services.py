"""Venues and their scanners: create, list, and find the venue behind a scanner."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Awaitable
from typing import Any, cast

from backend.catalog import services as catalog
from backend.catalog.tables import CatalogItem, VenueItem
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError, not_found
from backend.org.tables import City
from backend.venues.schemas import ScannerCreated, ScannerOut, VenueLink, VenueOut
from backend.venues.tables import Venue

_VENUE_COLUMNS = (
    Venue.id,
    Venue.name,
    Venue.venue_type,
    Venue.city.code.as_alias("city_code"),
    Venue.scenarios,
    Venue.active,
    Venue.created_at,
    Venue.latitude,
    Venue.longitude,
)
_SCANNER_VENUES_SQL = (
    "SELECT v.id, v.name, v.venue_type, c.code AS city_code, v.scenarios, v.active, v.created_at, v.latitude, v.longitude"
    " FROM venues_venue v JOIN org_city c ON c.id = v.city WHERE "
)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _coordinates(latitude: float | None, longitude: float | None) -> None:
    """Both or neither: a venue half placed would measure distances from nowhere (docs/misuse.md)."""
    if (latitude is None) != (longitude is None):
        raise ApiError(422, "venue.bad_coordinates", "Give both the latitude and the longitude of the venue, or neither.")


async def create_venue(
    *,
    name: str,
    venue_type: str,
    city_code: str,
    scenario_names: list[str],
    created_by: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> VenueOut:
    _coordinates(latitude, longitude)
    # The application catalog decides which scenarios (and venue types) a city's venues may have.
    names, items = await catalog.check_venue_scenarios(city_code, venue_type, scenario_names)
    name = name.strip()
    if not name:
        raise ApiError(422, "venue.name_required", "The venue needs a name.")
    async with db.transaction():
        city = await City.select(City.id).where(City.code == city_code).first().run()  # type: ignore[attr-defined]  # Piccolo adds the default `id` key when the class is made
        if city is None:
            raise ApiError(422, "venue.unknown_city", "No issuing city has this region code.")
        venue = Venue(
            name=name,
            venue_type=venue_type,
            city=city["id"],
            scenarios=names,
            latitude=latitude,
            longitude=longitude,
            created_by=created_by,
            created_at=_utcnow(),
        )
        await venue.save().run()
        await catalog.link_venue(venue.id, items)  # registered under these catalog items
    return await get_venue(venue.id)


async def set_coordinates(venue_id: uuid.UUID, *, latitude: float | None, longitude: float | None) -> VenueOut:
    """Place a venue (or forget where it is: both None)."""
    _coordinates(latitude, longitude)
    async with db.transaction():
        updated = (
            await Venue.update({Venue.latitude: latitude, Venue.longitude: longitude})
            .where(Venue.id == venue_id)
            .returning(Venue.id)
            .run()
        )
    if not updated:
        raise not_found("venue")
    return await get_venue(venue_id)


async def get_venue(venue_id: uuid.UUID | str) -> VenueOut:
    row = await Venue.select(*_VENUE_COLUMNS).where(Venue.id == _uuid(venue_id)).first().output(load_json=True).run()
    if row is None:
        raise not_found("venue")
    return VenueOut(**row)


async def list_venues(
    *, city_code: str | None, venue_type: str | None, limit: int, offset: int
) -> tuple[list[VenueOut], int | None]:
    query = Venue.select(*_VENUE_COLUMNS).order_by(Venue.created_at, Venue.id).limit(limit + 1).offset(offset)
    if city_code:
        query = query.where(Venue.city.code == city_code)
    if venue_type:
        query = query.where(Venue.venue_type == venue_type)
    rows = await query.output(load_json=True).run()
    more = len(rows) > limit
    return [VenueOut(**row) for row in rows[:limit]], (offset + limit if more else None)


async def add_scanner(venue_id: uuid.UUID, *, name: str, created_by: str) -> ScannerCreated:
    """A new scanner credential for the venue; the token is returned once, never stored clear."""
    from backend.accounts.services import create_client

    venue = await get_venue(venue_id)
    if not venue.active:
        raise ApiError(409, "venue.inactive", "This venue is deactivated.")
    row, token = await create_client(kind="scanner", org_id=venue.id, name=name, created_by=created_by)
    return ScannerCreated(id=row.id, venue_id=venue.id, name=row.name, token=token, created_at=row.created_at)


async def list_scanners(venue_id: uuid.UUID) -> list[ScannerOut]:
    from backend.accounts.tables import Client

    venue = await get_venue(venue_id)
    rows = (
        await Client.select(Client.id, Client.name, Client.status, Client.created_at, Client.last_used_at)
        .where((Client.kind == "scanner") & (Client.org_id == venue.id))
        .order_by(Client.created_at)
        .run()
    )
    return [ScannerOut(venue_id=venue.id, **row) for row in rows]


def _scan_venue(row: dict[str, Any]) -> VenueOut:
    return VenueOut(
        id=row["id"],
        name=row["name"],
        venue_type=row["venue_type"],
        city_code=row["city_code"],
        scenarios=db.json_column(row["scenarios"]),
        active=row["active"],
        created_at=db.time_column(row["created_at"]),
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


async def _scanner_venues(ids: list[uuid.UUID]) -> list[VenueOut | None]:
    """The venues with these ids (the columns of _VENUE_COLUMNS), in their order, in one query."""
    rows = await db.fetch(_SCANNER_VENUES_SQL + db.any_of("v.id"), db.list_arg(ids))
    by_id = {row["id"]: _scan_venue(row) for row in rows}
    return [by_id.get(i) for i in ids]


# Every scan asks for its scanner's venue: concurrent scans share one query.
_venues_by_id = db.Loader(_scanner_venues)


async def venue_of_scanner(principal: Principal) -> VenueOut:
    """The active venue a scanner credential belongs to; 403 for anything else. Read live on
    every call: a venue deactivated a moment ago stops verifying at once."""
    return await venue_of_scanner_soon(principal)


def venue_of_scanner_soon(principal: Principal) -> Awaitable[VenueOut]:
    """`venue_of_scanner` with the lookup started now; await the result on every path."""
    venue_id = _org_uuid(principal.org_id)
    return _active_venue(_venues_by_id.soon(venue_id) if venue_id is not None else None)


async def _active_venue(pending: Awaitable[VenueOut | None] | None) -> VenueOut:
    venue = await pending if pending is not None else None
    if venue is None or not venue.active:
        raise ApiError(403, "venue.scanner_not_at_venue", "This scanner does not belong to an active venue.")
    return venue


async def ensure_demo_venue(
    *, name: str, venue_type: str, city_code: str, scenarios: list[str], place: tuple[float, float] | None = None
) -> tuple[VenueOut, str]:
    """For `yikatong demo`: the venue by name (created if missing, placed at `place`, latitude and
    longitude, if it is not yet) and a fresh scanner token, since tokens are shown only once and the
    demo prints one each run."""
    latitude, longitude = place if place else (None, None)
    row = await Venue.select(Venue.id).where(Venue.name == name).first().run()
    venue = (
        await get_venue(row["id"])
        if row
        else await create_venue(
            name=name,
            venue_type=venue_type,
            city_code=city_code,
            scenario_names=scenarios,
            created_by="demo",
            latitude=latitude,
            longitude=longitude,
        )
    )
    if place and venue.latitude is None:
        venue = await set_coordinates(venue.id, latitude=latitude, longitude=longitude)
    scanner = await add_scanner(venue.id, name=f"{name} demo scanner", created_by="demo")
    return venue, scanner.token


def _uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _org_uuid(org_id: str | None) -> uuid.UUID | None:
    """A scanner's venue id as a UUID: parsed once per scanner, not per scan."""
    return _uuid(org_id)


async def venues_of_item(code: str, *, limit: int, offset: int) -> tuple[list[VenueLink], int | None]:
    """The venues registered under a catalog item (its own table, read with venue details)."""
    item = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code == code).first().run()
    if item is None:
        raise ApiError(404, "catalog.item_not_found", f"No catalog item {code!r}.")
    # The catalog's lazy reference is to this Venue table: typed as Piccolo's `_` types a direct one.
    venue = cast("type[Venue]", VenueItem.venue)
    rows = (
        await VenueItem.select(
            venue.id.as_alias("id"),
            venue.name.as_alias("name"),
            venue.venue_type.as_alias("venue_type"),
            venue.city.code.as_alias("city_code"),
            venue.active.as_alias("active"),
        )
        .where(VenueItem.item == item["id"])
        .order_by(VenueItem.id)  # type: ignore[attr-defined]  # Piccolo adds the default `id` key when the class is made
        .limit(limit + 1)
        .offset(offset)
        .run()
    )
    return [VenueLink(**row) for row in rows[:limit]], (offset + limit if len(rows) > limit else None)

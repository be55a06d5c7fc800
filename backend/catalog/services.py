"""What the catalog says: in effect for a city at a time, for venues and scanners, and its history."""

# `in_effect` and `scenario_for_venue` are what the venues feature calls; both work on the cached
# compiled catalog and decide dates at call time.

from __future__ import annotations

import time
import uuid
from typing import Protocol

from backend.catalog import compiled
from backend.catalog.compiled import Compiled, Entry
from backend.catalog.publishing import get_item as get_item  # re-exported: how other features find an item
from backend.catalog.scenarios import Scenario
from backend.catalog.schemas import Region
from backend.catalog.tables import CatalogItem, VenueItem
from backend.catalog.vocab import PROVINCE
from backend.lib.errors import ApiError
from backend.org.tables import City


class VenueScope(Protocol):
    """What the catalog needs to know of a venue (the venues feature's VenueOut)."""

    @property
    def city_code(self) -> str: ...
    @property
    def venue_type(self) -> str: ...
    @property
    def scenarios(self) -> list[str]: ...


def _t(at: float | int | None) -> float:
    return time.time() if at is None else float(at)


async def in_effect(city_code: str, at: float | int | None = None) -> list[Entry]:
    """The catalog in effect for a city (or the province, 440000) at time `at` (epoch seconds)."""
    catalog = await compiled.current()
    return catalog.items_at(city_code, _t(at))


async def scenario_for_venue(venue: VenueScope, name: str, at: float | int | None = None) -> Scenario | None:
    """The definition of `name` if this venue registered it and it is in effect for the venue's
    city and type at `at`; None means the venue may not verify it then."""
    if name not in venue.scenarios:
        return None
    catalog = await compiled.current()
    return catalog.scenario_at(venue.city_code, venue.venue_type, name, _t(at))


async def scenarios_for_venue(venue: VenueScope, at: float | int | None = None) -> list[Scenario]:
    """The venue's scenarios that are in effect for it at `at`, in its registration order."""
    catalog = await compiled.current()
    t = _t(at)
    found = (catalog.scenario_at(venue.city_code, venue.venue_type, n, t) for n in venue.scenarios)
    return [s for s in found if s is not None]


async def definitions(names: set[str] | list[str]) -> dict[str, Scenario]:
    """The latest published definition of each name (for records of past scans)."""
    catalog = await compiled.current()
    out = {}
    for name in names:
        scenario = catalog.latest(name)
        if scenario is not None:
            out[name] = scenario
    return out


def _registrable(catalog: Compiled, city_code: str, at: float) -> dict[str, tuple[Entry, Scenario]]:
    """Scenario name -> (version, definition) a venue in this city may register for: in effect
    now or scheduled later (the latest such version wins)."""
    out: dict[str, tuple[Entry, Scenario]] = {}
    for e in catalog.upcoming(city_code, at):
        for name, scenario in e.scenarios.items():
            out[name] = (e, scenario)
    return out


async def check_venue_scenarios(
    city_code: str, venue_type: str, names: list[str], at: float | int | None = None
) -> tuple[list[str], list[str]]:
    """For venue registration: the scenario names de-duplicated in order and the item codes
    the venue registers under; 422 unless every scenario is in the city's catalog and fits the type."""
    catalog = await compiled.current()
    offer = _registrable(catalog, city_code, _t(at))
    types = sorted({vt for e in catalog.upcoming(city_code, _t(at)) for vt in e.venue_types})
    if venue_type not in types:
        raise ApiError(422, "venue.unknown_type", "No catalog item of this city applies to this venue type.", allowed=types)
    out: list[str] = []
    items: list[str] = []
    for name in names:
        if name not in offer:
            raise ApiError(422, "venue.unknown_scenario", f"Scenario {name!r} is not in this city's catalog.")
        entry, scenario = offer[name]
        if venue_type not in scenario.venue_types:
            allowed = sorted(n for n, (_, s) in offer.items() if venue_type in s.venue_types)
            raise ApiError(
                422,
                "venue.scenario_not_for_type",
                f"Scenario {name!r} is not for a {venue_type} venue.",
                scenario=name,
                allowed=allowed,
            )
        if name not in out:
            out.append(name)
        # An extension's venue is also under the provincial item it extends.
        for code in (entry.code, entry.extends):
            if code and code not in items:
                items.append(code)
    return out, items


async def link_venue(venue_id: uuid.UUID, item_codes: list[str]) -> None:
    """Register the venue under these items; call inside the venue's own transaction."""
    if not item_codes:
        return
    rows = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code.is_in(item_codes)).run()
    await VenueItem.insert(*[VenueItem(venue=venue_id, item=r["id"]) for r in rows]).run()


async def check_region(code: str) -> str:
    """The province or an existing city; 404 otherwise (a typo must not show an empty catalog)."""
    if code != PROVINCE and not await City.exists().where(City.code == code).run():
        raise ApiError(404, "catalog.unknown_region", "No city has this region code.", region=code)
    return code


async def regions() -> list[Region]:
    rows = await City.select(City.code, City.name, City.name_en).order_by(City.code).run()
    out = [Region(code=PROVINCE, name="广东省", name_en="Guangdong Province", province=True)]
    out += [Region(code=r["code"], name=r["name"], name_en=r["name_en"], province=False) for r in rows if r["code"] != PROVINCE]
    return out

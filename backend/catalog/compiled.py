"""The compiled catalog: every public version with its interval, cached per database by catalog version."""

# The cache holds intervals, not answers: "is it in effect at t" is always decided at call time,
# so effective and end dates are exact whatever the cache's age. Only a change of the catalog
# itself (a publication or withdrawal in another worker) can take up to CHECK_EVERY seconds to be seen.

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Literal

from backend.catalog.scenarios import Scenario, stored_assurance
from backend.catalog.tables import CatalogState, ItemVersion
from backend.catalog.vocab import PROVINCE, PUBLIC_STATES
from backend.lib import db

CHECK_EVERY = 2.0  # seconds between reads of the catalog version by one worker
STATE = "catalog"


def scenario_of(d: dict) -> Scenario:
    """The verification path's Scenario for a stored scenario definition."""
    title = d.get("title") or {}
    min_assurance, offline = stored_assurance(d)
    return Scenario(
        name=d["name"],
        title=f"{title.get('zh-Hans', '')} {title.get('en', '')}".strip() or d["name"],
        venue_types=frozenset(d["venue_types"]),
        attributes=tuple(d["attributes"]),
        needs_transport=bool(d.get("needs_transport")),
        legal_basis=d.get("legal_basis", ""),
        min_assurance=min_assurance,
        offline=offline,
    )


@dataclass(frozen=True)
class Entry:
    """One published (or withdrawn) version of an item, with its interval in epoch seconds."""

    code: str
    scope: str
    extends: str | None
    number: int
    status: Literal["published", "withdrawn"]  # only public versions (PUBLIC_STATES) are compiled
    domain: str
    name: dict
    description: dict
    venue_types: tuple[str, ...]
    scenario_defs: tuple[dict, ...]
    note: str
    effective_from: dt.datetime
    effective_to: dt.datetime | None
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    scenarios: dict[str, Scenario] = field(default_factory=dict)

    @property
    def start(self) -> float:
        return self.effective_from.timestamp()

    @property
    def end(self) -> float | None:
        return self.effective_to.timestamp() if self.effective_to else None

    def active(self, t: float) -> bool:
        end = self.end
        return self.start <= t and (end is None or t < end)

    def not_over(self, t: float) -> bool:
        """In effect at t or scheduled to be later."""
        end = self.end
        return end is None or t < end


class Compiled:
    """Every public version, indexed by item and by scenario name."""

    def __init__(self, version: int, entries: list[Entry]) -> None:
        self.version = version
        self.entries = sorted(entries, key=lambda e: (e.code, e.start))
        self.by_item: dict[str, list[Entry]] = {}
        self.by_scenario: dict[str, list[Entry]] = {}
        for e in self.entries:
            self.by_item.setdefault(e.code, []).append(e)
            for name in e.scenarios:
                self.by_scenario.setdefault(name, []).append(e)

    def item_at(self, code: str, t: float) -> Entry | None:
        for e in self.by_item.get(code, ()):
            if e.active(t):
                return e
        return None

    def applies(self, e: Entry, city: str, t: float) -> bool:
        """In effect at t for this city: provincial items everywhere, a city's only there, and
        an extension only while the provincial item it extends is in effect too."""
        if e.scope not in (PROVINCE, city) or not e.active(t):
            return False
        return e.extends is None or self.item_at(e.extends, t) is not None

    def items_at(self, city: str, t: float) -> list[Entry]:
        return [e for e in self.entries if self.applies(e, city, t)]

    def scenario_at(self, city: str, venue_type: str, name: str, t: float) -> Scenario | None:
        """The scenario's definition if a venue of this type in this city may verify it at t."""
        for e in self.by_scenario.get(name, ()):
            if self.applies(e, city, t):
                scenario = e.scenarios[name]
                return scenario if venue_type in scenario.venue_types else None
        return None

    def upcoming(self, city: str, t: float) -> list[Entry]:
        """Versions for this city in effect at t or scheduled later (what a venue may register for)."""
        out = []
        for e in self.entries:
            if e.scope not in (PROVINCE, city) or not e.not_over(t):
                continue
            if e.extends is None or any(b.not_over(t) for b in self.by_item.get(e.extends, ())):
                out.append(e)
        return out

    def latest(self, name: str) -> Scenario | None:
        """The most recent published definition of a scenario, whatever its dates (for records)."""
        entries = self.by_scenario.get(name)
        return entries[-1].scenarios[name] if entries else None

    def owner(self, name: str) -> str | None:
        entries = self.by_scenario.get(name)
        return entries[-1].code if entries else None


async def read_version() -> int:
    row = await CatalogState.select(CatalogState.version).where(CatalogState.name == STATE).first().run()
    return int(row["version"]) if row else 0


async def load(version: int) -> Compiled:
    rows = (
        await ItemVersion.select(
            ItemVersion.item.code.as_alias("code"),
            ItemVersion.item.scope.as_alias("scope"),
            ItemVersion.item.extends.as_alias("extends"),
            *ItemVersion.all_columns(exclude=[ItemVersion.id, ItemVersion.item]),
        )
        .where(ItemVersion.status.is_in(list(PUBLIC_STATES)))
        .output(load_json=True)
        .run()
    )
    return Compiled(version, [_entry(r) for r in rows])


def _entry(r: dict) -> Entry:
    defs = tuple(r["scenarios"] or ())
    return Entry(
        code=r["code"],
        scope=r["scope"],
        extends=r["extends"],
        number=r["number"],
        status=r["status"],
        domain=r["domain"],
        name=r["name"],
        description=r["description"],
        venue_types=tuple(r["venue_types"]),
        scenario_defs=defs,
        note=r["note"],
        effective_from=r["effective_from"],
        effective_to=r["effective_to"],
        published_at=r["published_at"],
        withdrawn_at=r["withdrawn_at"],
        withdraw_reason=r["withdraw_reason"],
        scenarios={d["name"]: scenario_of(d) for d in defs},
    )


class _Slot:
    def __init__(self) -> None:
        self.compiled: Compiled | None = None
        self.checked = float("-inf")
        self.lock = asyncio.Lock()


# One slot, tied to the engine it was filled from: tests run SQLite and PostgreSQL apps in one
# process, and a new engine (a new app) must never see another database's catalog.
_current: tuple[object, _Slot] | None = None


def _slot() -> _Slot:
    global _current
    engine = db.engine()
    if _current is None or _current[0] is not engine:
        _current = (engine, _Slot())
    return _current[1]


async def current() -> Compiled:
    """The compiled catalog, re-reading the version at most every CHECK_EVERY seconds."""
    slot = _slot()
    if slot.compiled is not None and time.monotonic() - slot.checked < CHECK_EVERY:
        return slot.compiled
    async with slot.lock:  # one reload per worker, however many requests arrive at once
        if slot.compiled is not None and time.monotonic() - slot.checked < CHECK_EVERY:
            return slot.compiled
        version = await read_version()
        if slot.compiled is None or slot.compiled.version != version:
            # Version first, then rows: the rows are at least as new as the version we key them by.
            slot.compiled = await load(version)
        slot.checked = time.monotonic()
    return slot.compiled


def invalidate() -> None:
    """After this worker changed the catalog: re-check on the next call."""
    _slot().checked = float("-inf")

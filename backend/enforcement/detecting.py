"""The misuse scan: read a window of verifications, apply the rules (signals.py), write what they find.

Idempotent: every Signal has a unique dedupe key (kind, subject, day), so scanning the same window
again writes nothing new; a signal whose case could not be opened (a crash between the two) is
opened by the next scan. The verifications are read with hand-written statements in pages by
(at, id): a window holds hundreds of thousands of rows, and Piccolo's query builder costs more
per row than the database does (docs/misuse.md, "Cost").
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from typing import Any

from backend.audit import services as audit
from backend.cards.tables import Card, Device
from backend.enforcement import access, opening
from backend.enforcement import signals as rules
from backend.enforcement.schemas import ScanReport, SignalOut, SignalPage
from backend.enforcement.tables import Case, Signal
from backend.family import services as family
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.org.tables import City
from backend.venues.tables import Venue, Verification

log = logging.getLogger(__name__)

PAGE = 20_000  # verification rows per read
CHUNK = 5_000  # ids per look-up of venues or cards
ORPHANS = 1_000  # signals without a case picked up per scan

_V = Verification._meta.tablename
_USES_SQL = (
    f"SELECT id, at, venue, scanner_id, scenario, result, card_id, person, device_key_id FROM {_V}"
    " WHERE at >= {} AND at < {} AND (at > {} OR (at = {} AND id > {})) ORDER BY at, id LIMIT {}"
)
_PLACES_SQL = (
    f"SELECT v.id, v.name, c.code AS city, v.latitude, v.longitude FROM {Venue._meta.tablename} v"
    f" JOIN {City._meta.tablename} c ON c.id = v.city WHERE "
)
_CARDS_SQL = f"SELECT id, region, person FROM {Card._meta.tablename} WHERE "
_D = Device._meta.tablename
_LIVE = "key_id IS NOT NULL AND bound_at < {} AND (unbound_at IS NULL OR unbound_at >= {})"
_REGISTRATIONS_SQL = (
    f"SELECT key_id, card, person, bound_at FROM {_D} WHERE {_LIVE} AND key_id IN"
    f" (SELECT key_id FROM {_D} WHERE {_LIVE} GROUP BY key_id HAVING COUNT(DISTINCT person) >= {{}})"
)
_MIN_UUID = uuid.UUID(int=0)


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def read_uses(start: dt.datetime, end: dt.datetime) -> list[rules.Use]:
    """The verifications with start <= at < end, in time order, page by page."""
    uses: list[rules.Use] = []
    after_at, after_id = start - dt.timedelta(microseconds=1), _MIN_UUID
    while True:
        rows = await db.fetch(_USES_SQL, start, end, after_at, after_at, after_id, PAGE)
        for r in rows:
            uses.append(
                rules.Use(
                    id=_uuid(r["id"]),  # type: ignore[arg-type]  # a primary key is never NULL
                    at=db.time_column(r["at"]),
                    venue=_uuid(r["venue"]),  # type: ignore[arg-type]  # NOT NULL
                    scanner=_uuid(r["scanner_id"]),  # type: ignore[arg-type]  # NOT NULL
                    scenario=r["scenario"],
                    result=r["result"],
                    card=_uuid(r["card_id"]),
                    person=_uuid(r["person"]),
                    device_key=r["device_key_id"],
                )
            )
        if len(rows) < PAGE:
            return uses
        after_at, after_id = uses[-1].at, uses[-1].id


async def _chunked(sql: str, ids: list[uuid.UUID], column: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for at in range(0, len(ids), CHUNK):
        rows += await db.fetch(sql + db.any_of(column), db.list_arg(ids[at : at + CHUNK]))
    return rows


async def read_context(uses: list[rules.Use], start: dt.datetime, end: dt.datetime) -> rules.Context:
    """The venues, cards, device registrations and family links the rules need for these uses."""
    venue_ids = list({u.venue for u in uses})
    card_ids = list({u.card for u in uses if u.card})
    places = {
        p.id: p
        for p in (
            rules.Place(id=_uuid(r["id"]), name=r["name"], city=r["city"], latitude=r["latitude"], longitude=r["longitude"])  # type: ignore[arg-type]  # NOT NULL
            for r in await _chunked(_PLACES_SQL, venue_ids, "v.id")
        )
    }
    home: dict[uuid.UUID, str] = {}
    holder: dict[uuid.UUID, uuid.UUID] = {}
    for r in await _chunked(_CARDS_SQL, card_ids, "id"):
        card = _uuid(r["id"])
        assert card is not None
        home[card] = r["region"]
        holder[card] = _uuid(r["person"])  # type: ignore[assignment]  # NOT NULL
    registrations = [
        rules.Registration(key_id=r["key_id"], card=_uuid(r["card"]), person=_uuid(r["person"]), at=db.time_column(r["bound_at"]))  # type: ignore[arg-type]  # NOT NULL
        for r in await db.fetch(_REGISTRATIONS_SQL, end, start, end, start, 2)
    ]
    ctx = rules.Context(places=places, home_region=home, holder=holder, registrations=registrations)
    # Family links only among the holders of a device that would otherwise count: a small set.
    suspects: set[uuid.UUID] = set()
    for holders in rules.device_holders(uses, ctx).values():
        if len(holders) >= rules.SHARED_DEVICE_HOLDERS:
            suspects |= set(holders)
    ctx.family = await family.linked_pairs(suspects, since=start)
    return ctx


def _signal_row(f: rules.Finding, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "kind": f.kind,
        "subject_kind": f.subject_kind,
        "subject_id": f.subject_id[:64],
        "card_id": f.card_id,
        "person": f.person,
        "venue_id": f.venue_id,
        "city": f.city[:6],
        "window_start": f.window_start,
        "window_end": f.window_end,
        "score": max(0, min(f.score, 2**31 - 1)),
        "summary": f.summary[:500],
        "evidence": f.evidence,
        "dedupe_key": f.dedupe_key,
        "case": None,
        "detected_at": now,
    }


async def write_signals(findings: list[rules.Finding], now: dt.datetime) -> dict[uuid.UUID, str]:
    """Insert the findings not yet on record (by dedupe key); the new signals' ids and kinds."""
    rows = [_signal_row(f, now) for f in findings]
    kinds = {row["id"]: row["kind"] for row in rows}
    written: list[Any] = []
    async with db.transaction():
        for at in range(0, len(rows), 1_000):
            written += await db.insert_rows(Signal, rows[at : at + 1_000], skip_conflicts=True)
    return {i: kinds[i] for i in (_uuid(w) for w in written) if i is not None}


async def _orphans() -> list[uuid.UUID]:
    rows = await Signal.select(Signal.id).where(Signal.case.is_null()).order_by(Signal.detected_at).limit(ORPHANS).run()
    return [_uuid(r["id"]) for r in rows]  # type: ignore[misc]  # a primary key is never NULL


async def run_scan(*, now: dt.datetime, window_hours: int, end: dt.datetime | None = None) -> ScanReport:
    """Scan the verifications of the `window_hours` before `end` (default: now), write new signals
    and open or join a case for each (opening.py). Safe to run again and concurrently: dedupe keys
    and the cases' open keys make every write happen once."""
    started = time.perf_counter()
    end = end or now
    start = end - dt.timedelta(hours=window_hours)
    uses = await read_uses(start, end)
    ctx = await read_context(uses, start, end)
    findings = rules.detect(uses, ctx)
    new = await write_signals(findings, now)
    opened = joined = 0
    for signal_id in await _orphans():
        try:
            _case, was_new = await opening.open_or_join_counted(signal_id, now=now)
        except ApiError as exc:
            # One case too busy to join (staff acting on it this second) must not stop the rest:
            # the signal stays without a case and the next scan takes it up (_orphans).
            log.warning("misuse scan: signal %s left for the next scan (%s)", signal_id, exc.code)
            continue
        if was_new is True:
            opened += 1
        elif was_new is False:
            joined += 1
    report = ScanReport(
        window_start=start,
        window_end=end,
        verifications=len(uses),
        findings=len(findings),
        signals_new=len(new),
        cases_opened=opened,
        cases_joined=joined,
        by_kind=dict(Counter(new.values())),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    log.info(
        "misuse scan",
        extra={"verifications": report.verifications, "signals_new": report.signals_new, "duration_ms": report.duration_ms},
    )
    return report


# --- the staff's list of signals ----------------------------------------------------------


async def list_signals(
    principal: Principal,
    *,
    kind: str | None,
    city: str | None,
    since: dt.datetime | None,
    limit: int,
    offset: int,
) -> SignalPage:
    """Signals newest first. City staff see their city's only (another city asked for is 403
    `signal.other_city`); provincial operators see all. Reading the signals about people's cards
    is on each holder's access record, in the same transaction as the read."""
    own = access.city_filter(principal)
    if own is not None and city is not None and city != own:
        raise ApiError(403, "signal.other_city", "Staff see the signals of their own city.")
    city = own or city
    query = Signal.select().order_by(Signal.detected_at, ascending=False).order_by(Signal.id).limit(limit + 1).offset(offset)
    if kind:
        query = query.where(Signal.kind == kind)
    if city:
        query = query.where(Signal.city == city)
    if since:
        query = query.where(Signal.detected_at >= since)
    async with db.transaction():
        rows = await query.output(load_json=True).run()
        rows, more = rows[:limit], len(rows) > limit
        case_ids = list({r["case"] for r in rows if r["case"]})
        numbers = (
            {r["id"]: r["number"] for r in await Case.select(Case.id, Case.number).where(Case.id.is_in(case_ids)).run()}
            if case_ids
            else {}
        )
        people: dict[uuid.UUID, str] = {}
        for r in rows:
            if r["person"]:
                people.setdefault(r["person"], numbers.get(r["case"], "") or "misuse signals")
        if people:
            actor = await audit.actor_of(principal)
            for person, ref in people.items():
                await audit.record(
                    actor,
                    person_id=person,
                    action="enforcement.signals_read",
                    fields=["misuse_signals"],
                    purpose="Reviewing misuse signals about the holder's card",
                    basis_kind="official_duty",
                    basis_ref=ref,
                )
    items = [
        SignalOut(
            id=r["id"],
            kind=r["kind"],
            subject_kind=r["subject_kind"],
            subject_id=r["subject_id"],
            card_id=r["card_id"],
            venue_id=r["venue_id"],
            city=r["city"],
            window_start=r["window_start"],
            window_end=r["window_end"],
            score=r["score"],
            summary=r["summary"],
            evidence=r["evidence"] if isinstance(r["evidence"], dict) else {},
            case_id=r["case"],
            case_number=numbers.get(r["case"]),
            detected_at=r["detected_at"],
        )
        for r in rows
    ]
    return SignalPage(items=items, next_offset=offset + limit if more else None)

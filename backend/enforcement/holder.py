"""The holder's side of a case (Art. 19): the cases about their card, what they may see of one (the
decision, the evidence about their own card, the steps without staff names), their response and appeal.

A case that is not the holder's answers 404, as one that does not exist. Staff are not notified:
the response or appeal is a step of the case, which their list and history show.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, cast

import msgspec

from backend.accounts.tables import StaffMember
from backend.enforcement import case_states as states
from backend.enforcement import records
from backend.enforcement.appeals import appeal_refusal, appeal_until
from backend.enforcement.records import CaseRow, StepActor
from backend.enforcement.schemas import (
    HolderCase,
    HolderCaseItem,
    HolderCaseList,
    HolderEvidence,
    HolderPlace,
    HolderStep,
    HolderUse,
)
from backend.enforcement.tables import Case, CaseStep, Signal
from backend.enforcement.vocab import AppealState, CaseKind, CaseState, Decision
from backend.identity import services as identity
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import City
from backend.venues.tables import Venue, Verification

# A response is a statement, not a chat: this many per case is plenty, and keeps the history readable.
MAX_RESPONSES = 50
ATTEMPTS = 5

# Staff's own work on the file (internal notes, who handles it) is not the holder's to read.
HIDDEN_STEPS = frozenset({"note", "assign"})
# Steps whose text the holder reads: their own, and the reasons for what was decided about them.
# Other notes (the detector's English summary, a proposal before the second officer's approval) are not shown.
WORDED_STEPS = frozenset({"respond", "appeal", "decide", "approve_fine", "uphold", "overturn", "close", "dismiss"})

# Where the detector's evidence names the verifications a signal rests on (docs/misuse.md).
_VERIFICATION_KEYS = frozenset({"verification", "verification_id", "verification_ids", "verifications", "uses"})
_VENUE_KEYS = frozenset({"venue", "venue_id", "venue_ids", "venues"})
MAX_USES = 100  # uses shown per signal


def _busy() -> ApiError:
    return ApiError(409, "case.busy", "The case is being changed by other requests; try again.", retry_after=1)


async def _own_case(case_id: uuid.UUID, person: uuid.UUID) -> CaseRow:
    """The case, when it is about one of the holder's person records; 404 otherwise (its existence is not revealed)."""
    case = await records.load(case_id)
    if case is None or case.person is None or case.person not in await identity.person_ids(person):
        raise ApiError(404, "case.not_found", "No such case.")
    return case


# --- reading ---------------------------------------------------------------------------------


async def list_cases(person: uuid.UUID, *, limit: int, offset: int) -> HolderCaseList:
    """The cases about the holder's cards (every person record merged into theirs too), newest first."""
    people = await identity.person_ids(person)
    rows = (
        await Case.select(
            Case.id,
            Case.number,
            Case.kind,
            Case.state,
            Case.decision,
            Case.appeal,
            Case.opened_at,
            Case.decided_at,
            Case.updated_at,
        )
        .where(Case.person.is_in(people))
        .order_by(Case.opened_at, ascending=False)
        .order_by(Case.id)
        .limit(limit + 1)
        .offset(offset)
        .run()
    )
    items = msgspec.convert(rows[:limit], list[HolderCaseItem])
    return HolderCaseList(items=items, next_offset=offset + limit if len(rows) > limit else None)


async def view(case_id: uuid.UUID, person: uuid.UUID, *, now: dt.datetime) -> HolderCase:
    """One case as its holder sees it (no access record: the holder reads about themself)."""
    return await _view(await _own_case(case_id, person), now)


async def _view(case: CaseRow, now: dt.datetime) -> HolderCase:
    steps = await CaseStep.select().where(CaseStep.case == case.id).order_by(CaseStep.seq).order_by(CaseStep.at).run()
    cities = await _cities([case.city])
    return HolderCase(
        id=case.id,
        number=case.number,
        kind=cast(CaseKind, case.kind),
        state=cast(CaseState, case.state),
        city=cities.get(case.city),
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        decision=cast(Decision, case.decision),
        fine_yuan=case.fine_yuan if case.decision == "fine" else None,
        decision_reason=case.decision_reason if case.state in (states.DECIDED, states.APPEALED, states.CLOSED) else "",
        correction_deadline=case.correction_deadline,
        decided_at=case.decided_at,
        appeal=cast(AppealState, case.appeal),
        appeal_until=appeal_until(case),
        can_respond=case.state != states.CLOSED,
        can_appeal=appeal_refusal(case, now) is None,
        evidence=await _evidence(case),
        steps=await _steps(steps),
    )


async def _cities(codes: Iterable[str]) -> dict[str, HolderPlace]:
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = await City.select(City.code, City.name, City.name_en).where(City.code.is_in(wanted)).run()
    return {r["code"]: HolderPlace(code=r["code"], name=r["name"], name_en=r["name_en"] or "") for r in rows}


async def _steps(rows: list[dict[str, Any]]) -> list[HolderStep]:
    """The history without staff names: a member of staff is "staff of <office>, <city>"."""
    staff_ids = set()
    for row in rows:
        if row["actor_kind"] == "staff":
            try:
                staff_ids.add(uuid.UUID(row["actor_id"]))
            except ValueError:
                pass
    offices: dict[str, tuple[str, str]] = {}
    if staff_ids:
        found = (
            await StaffMember.select(
                StaffMember.id,
                StaffMember.office.name.as_alias("office"),
                StaffMember.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
            )
            .where(StaffMember.id.is_in(sorted(staff_ids)))
            .run()
        )
        offices = {str(r["id"]): (r["office"] or "", r["city"] or "") for r in found}
    cities = await _cities(city for _, city in offices.values())
    out = []
    for row in rows:
        if row["action"] in HIDDEN_STEPS:
            continue
        kind = row["actor_kind"]
        office, city = offices.get(row["actor_id"], ("", "")) if kind == "staff" else ("", "")
        out.append(
            HolderStep(
                seq=row["seq"],
                action=row["action"],
                by="you" if kind == "holder" else ("staff" if kind == "staff" else "system"),
                office=office,
                city=cities.get(city),
                from_state=row["from_state"] or "",
                to_state=row["to_state"],
                note=row["note"] if row["action"] in WORDED_STEPS else "",
                at=row["at"],
            )
        )
    return out


def _walk(value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON value, a few levels deep."""
    if depth > 6:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key), inner
            yield from _walk(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value[:1000]:
            yield from _walk(inner, depth + 1)


def _uuids(value: Any, *, id_key: str) -> Iterator[uuid.UUID]:
    """UUIDs in a value: a string, a list of strings, or objects carrying `id_key` (or `id`)."""
    items = value if isinstance(value, list) else [value]
    for item in items[:1000]:
        text = item.get(id_key, item.get("id")) if isinstance(item, dict) else item
        if isinstance(text, str):
            try:
                yield uuid.UUID(text)
            except ValueError:
                continue


def _number(evidence: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = evidence.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return round(float(value), 1)
    return None


async def _evidence(case: CaseRow) -> list[HolderEvidence]:
    """What the signals found about the holder's card: the uses (time, venue, city, scenario,
    result) of this card only, venue names, distances. Never another person's uses or data."""
    signals = await Signal.select().where(Signal.case == case.id).order_by(Signal.detected_at).run()
    people = await identity.person_ids(case.person) if case.person else []
    wanted: dict[uuid.UUID, list[uuid.UUID]] = {}
    venue_ids: dict[uuid.UUID, list[uuid.UUID]] = {}
    for signal in signals:
        evidence = signal["evidence"]
        if isinstance(evidence, str):
            evidence = msgspec.json.decode(evidence or "{}")
        signal["evidence"] = evidence if isinstance(evidence, dict) else {}
        ids: list[uuid.UUID] = []
        venues: list[uuid.UUID] = [signal["venue_id"]] if signal["venue_id"] else []
        for key, value in _walk(signal["evidence"]):
            if key in _VERIFICATION_KEYS:
                ids += _uuids(value, id_key="verification_id")
            elif key in _VENUE_KEYS:
                venues += _uuids(value, id_key="venue_id")
        wanted[signal["id"]] = list(dict.fromkeys(ids))[:MAX_USES]
        venue_ids[signal["id"]] = list(dict.fromkeys(venues))[:MAX_USES]
    every = sorted({i for ids in wanted.values() for i in ids})
    uses: dict[uuid.UUID, dict[str, Any]] = {}
    if every:
        rows = (
            await Verification.select(
                Verification.id,
                Verification.at,
                Verification.scenario,
                Verification.result,
                Verification.offline,
                Verification.card_id,
                Verification.person,
                Verification.venue.name.as_alias("venue_name"),
                Verification.venue.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
            )
            .where(Verification.id.is_in(every))
            .run()
        )
        # Only this card's uses (or this person's): a signal about a scanner may list other people's.
        uses = {
            r["id"]: r
            for r in rows
            if (case.card_id is not None and r["card_id"] == case.card_id) or (r["person"] is not None and r["person"] in people)
        }
    every_venue = sorted({v for ids in venue_ids.values() for v in ids})
    venue_names: dict[uuid.UUID, str] = {}
    if every_venue:
        found = await Venue.select(Venue.id, Venue.name).where(Venue.id.is_in(every_venue)).run()
        venue_names = {r["id"]: r["name"] for r in found}
    cities = await _cities(r["city"] for r in uses.values())
    out = []
    for signal in signals:
        mine = sorted((uses[i] for i in wanted[signal["id"]] if i in uses), key=lambda r: r["at"])
        named = [venue_names[v] for v in venue_ids[signal["id"]] if v in venue_names]
        for row in mine:
            if row["venue_name"] not in named:
                named.append(row["venue_name"])
        out.append(
            HolderEvidence(
                kind=signal["kind"],
                window_start=signal["window_start"],
                window_end=signal["window_end"],
                score=signal["score"],
                distance_km=_number(signal["evidence"], "distance_km", "km"),
                speed_kmh=_number(signal["evidence"], "speed_kmh", "kmh"),
                venues=named,
                uses=[
                    HolderUse(
                        at=r["at"],
                        venue=r["venue_name"],
                        city=cities.get(r["city"]),
                        scenario=r["scenario"],
                        result=r["result"],
                        offline=bool(r["offline"]),
                    )
                    for r in mine
                ],
            )
        )
    return out


# --- acting ----------------------------------------------------------------------------------


def _holder(person: uuid.UUID) -> StepActor:
    return StepActor(kind="holder", id=str(person), name="")


async def respond(case_id: uuid.UUID, person: uuid.UUID, text: str, *, now: dt.datetime) -> HolderCase:
    """The holder's statement on the case (any state but closed): a `respond` step, the state unchanged."""
    text = text.strip()
    if not text:
        raise ApiError(422, "case.blank_text", "Write what you want to tell the staff handling the case.")

    async def attempt() -> HolderCase:
        case = await _own_case(case_id, person)
        if case.state == states.CLOSED:
            raise ApiError(409, "case.closed", "The case is closed; it takes no more responses.")
        count = await CaseStep.count().where((CaseStep.case == case.id) & (CaseStep.action == "respond")).run()
        if count >= MAX_RESPONSES:
            raise ApiError(409, "case.too_many_responses", f"A case takes at most {MAX_RESPONSES} responses.")
        await records.step(case, "respond", _holder(person), now=now, note=text)
        return await _view(case, now)

    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)


async def appeal(case_id: uuid.UUID, person: uuid.UUID, grounds: str, *, now: dt.datetime) -> HolderCase:
    """The holder appeals a warning, a correction order or a fine within APPEAL_DAYS of the decision."""
    grounds = grounds.strip()
    if len(grounds) < 10:
        raise ApiError(422, "case.blank_text", "Say in a sentence or two why the decision is wrong.")

    async def attempt() -> HolderCase:
        case = await _own_case(case_id, person)
        refusal = appeal_refusal(case, now)
        if refusal is not None:
            reason, message = refusal
            until = appeal_until(case)
            raise ApiError(409, "case.appeal_closed", message, reason=reason, appeal_until=until.isoformat() if until else None)
        await records.step(case, "appeal", _holder(person), now=now, values={"appeal": "lodged"}, note=grounds)
        return await _view(case, now)

    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)

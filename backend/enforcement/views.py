"""What staff see of cases: the list (no personal data) and a case's page (evidence, history, credit records).

Reading a case's page about a person is on that person's access record (docs/enforcement.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec

from backend.accounts.tables import StaffMember
from backend.audit import services as audit
from backend.cards.tables import Card
from backend.enforcement import access, records
from backend.enforcement import schemas as s
from backend.enforcement.records import CaseRow
from backend.enforcement.tables import Case, CaseStep, CreditRecord, Signal
from backend.identity import services as identity
from backend.identity.tables import Person
from backend.lib import db
from backend.lib.auth import Principal
from backend.org.tables import City
from backend.venues.tables import Venue

READ_FIELDS = ["card_number", "name", "verifications"]


def mask_card(number: str) -> str:
    """Only the last four digits of the printed number: A12345678 -> *****5678."""
    return "*" * max(0, len(number) - 4) + number[-4:]


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def _city_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = await City.select(City.code, City.name).where(City.code.is_in(wanted)).run()
    return {r["code"]: r["name"] for r in rows}


async def _venue_names(ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = sorted({i for i in ids if i}, key=str)
    if not wanted:
        return {}
    rows = await Venue.select(Venue.id, Venue.name).where(Venue.id.is_in(wanted)).run()
    return {r["id"]: r["name"] for r in rows}


async def _staff_names(ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted({u for i in ids if (u := _uuid(i))}, key=str)
    if not wanted:
        return {}
    rows = await StaffMember.select(StaffMember.id, StaffMember.name).where(StaffMember.id.is_in(wanted)).run()
    return {str(r["id"]): r["name"] for r in rows}


async def _signal_counts(ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await Signal.select(Signal.case).where(Signal.case.is_in(ids)).run()
    counts: dict[uuid.UUID, int] = {}
    for row in rows:
        counts[row["case"]] = counts.get(row["case"], 0) + 1
    return counts


async def case_outs(cases: list[CaseRow]) -> list[s.CaseOut]:
    cities = await _city_names(c.city for c in cases)
    venues = await _venue_names(c.venue_id for c in cases)
    staff = await _staff_names(c.assigned_to for c in cases)
    signals = await _signal_counts([c.id for c in cases])
    return [
        s.CaseOut(
            id=c.id,
            number=c.number,
            kind=c.kind,
            subject_kind=c.subject_kind,
            city=c.city,
            city_name=cities.get(c.city, ""),
            state=c.state,
            version=c.version,
            summary=c.summary,
            assigned_to=c.assigned_to,
            assigned_name=staff.get(c.assigned_to, ""),
            decision=c.decision,
            fine_yuan=c.fine_yuan,
            decision_reason=c.decision_reason,
            correction_deadline=c.correction_deadline,
            proposed_by=c.proposed_by,
            approved_by=c.approved_by,
            decided_at=c.decided_at,
            appeal=c.appeal,
            opened_by=c.opened_by,
            opened_at=c.opened_at,
            updated_at=c.updated_at,
            venue_id=c.venue_id,
            venue_name=venues.get(c.venue_id, "") if c.venue_id else "",
            signals=signals.get(c.id, 0),
        )
        for c in cases
    ]


async def case_out(case: CaseRow) -> s.CaseOut:
    return (await case_outs([case]))[0]


async def list_cases(
    principal: Principal,
    *,
    state: str | None,
    kind: str | None,
    city: str | None,
    assigned_to: str | None,
    mine: bool,
    limit: int,
    offset: int,
) -> s.CasePage:
    """Cases the caller may see, newest first: city staff their city's, provincial operators any (or `city`)."""
    query = Case.select().order_by(Case.opened_at, ascending=False).order_by(Case.id)
    only = access.city_filter(principal)
    if only is not None:
        if city is not None and city != only:
            return s.CasePage(items=[], next_offset=None)
        query = query.where(Case.city == only)
    elif city is not None:
        query = query.where(Case.city == city)
    if state is not None:
        query = query.where(Case.state == state)
    if kind is not None:
        query = query.where(Case.kind == kind)
    if mine:
        assigned_to = principal.id
    if assigned_to is not None:
        query = query.where(Case.assigned_to == assigned_to)
    rows = await query.limit(limit + 1).offset(offset).run()
    more = len(rows) > limit
    items = await case_outs([CaseRow(**r) for r in rows[:limit]])
    return s.CasePage(items=items, next_offset=offset + limit if more else None)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, (str, bytes)) and value:
        decoded = msgspec.json.decode(value)
        return decoded if isinstance(decoded, dict) else {"value": decoded}
    return {}


async def _steps(case_id: uuid.UUID) -> list[s.CaseStepOut]:
    rows = await CaseStep.select().where(CaseStep.case == case_id).order_by(CaseStep.seq).order_by(CaseStep.at).run()
    return [
        s.CaseStepOut(
            seq=r["seq"],
            action=r["action"],
            actor_kind=r["actor_kind"],
            actor_id=r["actor_id"],
            actor_name=r["actor_name"],
            from_state=r["from_state"],
            to_state=r["to_state"],
            note=r["note"],
            data=_json(r["data"]),
            at=r["at"],
        )
        for r in rows
    ]


async def _signals(case_id: uuid.UUID) -> list[s.CaseSignalOut]:
    rows = await Signal.select().where(Signal.case == case_id).order_by(Signal.detected_at).run()
    return [
        s.CaseSignalOut(
            id=r["id"],
            kind=r["kind"],
            summary=r["summary"],
            score=r["score"],
            window_start=r["window_start"],
            window_end=r["window_end"],
            detected_at=r["detected_at"],
            evidence=_json(r["evidence"]),
        )
        for r in rows
    ]


async def credit_refs(case_id: uuid.UUID) -> list[s.CaseCreditOut]:
    rows = await (
        CreditRecord.select(CreditRecord.id, CreditRecord.kind, CreditRecord.seq, CreditRecord.record_id, CreditRecord.created_at)
        .where(CreditRecord.case == case_id)
        .order_by(CreditRecord.seq)
        .run()
    )
    return [
        s.CaseCreditOut(id=r["id"], kind=r["kind"], seq=int(r["seq"]), record_id=r["record_id"], created_at=r["created_at"])
        for r in rows
    ]


async def _card_and_holder(case: CaseRow) -> tuple[str | None, str | None]:
    number = name = None
    if case.card_id is not None:
        row = await Card.select(Card.number).where(Card.id == case.card_id).first().run()
        number = mask_card(row["number"]) if row else None
    if case.person is not None:
        person = await Person.select(Person.name).where(Person.id == case.person).first().run()
        name = identity.masked_name(person["name"]) if person else None
    return number, name


async def detail(principal: Principal, case_id: uuid.UUID, now: dt.datetime) -> s.CaseDetail:
    """The case's page for a member of staff who may see it (else 404); a case about a person puts
    the read on their access record, in the read's own transaction."""
    async with db.transaction():
        case = await records.get(case_id)
        access.ensure_read(principal, case)
        number, name = await _card_and_holder(case)
        if case.person is not None:
            await audit.record(
                await audit.actor_of(principal),
                person_id=case.person,
                action="enforcement.case_read",
                fields=READ_FIELDS,
                purpose=f"Enforcement case {case.number}",
                basis_kind="official_duty",
                basis_ref=case.number,
            )
        found = s.CaseDetail(
            case=await case_out(case),
            card_number=number,
            holder_name=name,
            steps=await _steps(case.id),
            signals=await _signals(case.id),
            credit_records=await credit_refs(case.id),
            allowed_actions=access.allowed_actions(principal, case, now),
            four_eyes=access.four_eyes_block(principal, case) if case.state in ("proposed", "appealed") else "",
        )
    return found

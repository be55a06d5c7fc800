"""Cases about a holder's card, written through backend.enforcement.records as the detector and staff
would write them: shared by the holder API tests and the wallet's browser test (which runs them on the
test server's own database)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from backend.enforcement import records
from backend.enforcement.records import StepActor
from backend.enforcement.tables import Case, Signal
from backend.inbox import services as inbox
from backend.lib import db
from backend.venues.tables import Verification


async def open_case(
    *,
    person: uuid.UUID,
    card_id: uuid.UUID,
    city: str = "440100",
    kind: str = "impossible_travel",
    signal_kind: str = "impossible_travel",
    at: dt.datetime | None = None,
    evidence: dict | None = None,
) -> tuple[uuid.UUID, str]:
    """A signal about the card and the case it opens (step "open" by the system), and the holder told,
    as enforcement/opening.py does: (case id, case number). Uses the card's own verifications as evidence."""
    now = at or dt.datetime.now(dt.UTC)
    uses = (
        await Verification.select(Verification.id, Verification.venue)
        .where(Verification.card_id == card_id)
        .order_by(Verification.at)
        .limit(10)
        .run()
    )
    evidence = (
        evidence
        if evidence is not None
        else {
            "verification_ids": [str(u["id"]) for u in uses],
            "venue_ids": sorted({str(u["venue"]) for u in uses}),
            "distance_km": 1890.4,
            "speed_kmh": 3781.0,
        }
    )
    async with db.transaction():
        case_id = uuid.uuid4()
        number = records.new_number("YKC", now)
        await Case.insert(
            Case(
                id=case_id,
                number=number,
                kind=kind,
                subject_kind="card",
                subject_id=str(card_id),
                card_id=card_id,
                person=person,
                city=city,
                state="open",
                version=1,
                open_key=records.open_key(kind, "card", str(card_id)),
                summary="Two valid uses 1,890 km apart within 30 minutes.",
                opened_by="system",
                opened_at=now,
                updated_at=now,
            )
        ).run()
        case = await records.get(case_id)
        await records.append_step(case, "open", records.SYSTEM, from_state="", at=now, note="Opened by the detector.")
        await Signal.insert(
            Signal(
                id=uuid.uuid4(),
                kind=signal_kind,
                subject_kind="card",
                subject_id=str(card_id),
                card_id=card_id,
                person=person,
                city=city,
                window_start=now - dt.timedelta(hours=1),
                window_end=now,
                score=3781,
                summary="Two valid uses 1,890 km apart within 30 minutes.",
                evidence=evidence,
                dedupe_key=secrets.token_hex(16),
                case=case_id,
                detected_at=now,
            )
        ).run()
        await inbox.tell(person, "enforcement.case_opened", {"case": number}, now=now)
    return case_id, number


async def staff_step(
    case_id: uuid.UUID,
    action: str,
    staff_id: uuid.UUID | str,
    *,
    values: dict | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    tell: str | None = None,
) -> None:
    """One staff step on the case (as enforcement/cases.py takes it), the holder told of `tell` if given."""
    now = at or dt.datetime.now(dt.UTC)
    actor = StepActor(kind="staff", id=str(staff_id), name="测试员 Test Officer")
    async with db.transaction():
        case = await records.get(case_id)
        await records.step(case, action, actor, now=now, values=values or {}, note=note)
        if tell and case.person:
            await inbox.tell(case.person, tell, {"case": case.number}, now=now)


async def decide(
    case_id: uuid.UUID,
    staff_id: uuid.UUID | str,
    decision: str = "warning",
    *,
    at: dt.datetime | None = None,
    reason: str = "The card was used in two cities 30 minutes apart.",
) -> None:
    """Investigate, then decide (a warning, say), the holder told."""
    now = at or dt.datetime.now(dt.UTC)
    if (await records.get(case_id)).state == "open":
        await staff_step(case_id, "investigate", staff_id, at=now)
    values = {"decision": decision, "decided_at": now, "decision_reason": reason, "proposed_by": str(staff_id)}
    if decision == "correction_order":
        values["correction_deadline"] = now + dt.timedelta(days=30)
    await staff_step(case_id, "decide", staff_id, values=values, note=reason, at=now, tell="enforcement.case_decided")


async def staff_member(office_id: uuid.UUID, role: str = "counter_operator") -> uuid.UUID:
    """A member of staff of the office (their id is what a case step records)."""
    from backend.accounts.services import create_staff

    made = await create_staff(
        username=f"cs-{secrets.token_hex(5)}",
        name="案件员 Case Officer",
        role=role,
        office_id=office_id,
        password="Case-pass-2026!",
    )
    return uuid.UUID(str(made.id))

"""A signal opens a case, or joins the one open for its subject and kind (docs/misuse.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.enforcement import records, vocab
from backend.enforcement.records import SYSTEM, CaseRow
from backend.enforcement.tables import Case, Signal
from backend.inbox import services as inbox
from backend.lib import db
from backend.lib.errors import ApiError

OPENED_EVENT = "enforcement.case_opened"


def _busy() -> ApiError:
    return ApiError(503, "case.busy", "The case could not be opened just now; the next scan tries again.")


async def open_or_join(signal_id: uuid.UUID, *, now: dt.datetime) -> uuid.UUID:
    """The case the signal opened or joined. In one transaction: find the open case of the
    signal's kind and subject, or insert one (state open, opened by the system) and tell the holder
    when a card is concerned; record the step ("open" or "signal"); set the signal's case.
    A signal that already has its case gets it back, so calling this again changes nothing."""
    case_id, _new = await open_or_join_counted(signal_id, now=now)
    return case_id


async def open_or_join_counted(signal_id: uuid.UUID, *, now: dt.datetime) -> tuple[uuid.UUID, bool | None]:
    """`open_or_join`, and whether it opened the case (True), joined one (False) or found the
    signal already in one (None)."""

    async def attempt() -> tuple[uuid.UUID, bool | None]:
        signal = await Signal.select().where(Signal.id == signal_id).first().run()
        if signal is None:
            raise ApiError(404, "signal.not_found", "No such signal.")
        if signal["case"] is not None:
            return uuid.UUID(str(signal["case"])), None
        kind = vocab.CASE_OF_SIGNAL[signal["kind"]]
        key = records.open_key(kind, signal["subject_kind"], signal["subject_id"])
        data = {"signal": str(signal_id), "signal_kind": signal["kind"], "score": signal["score"]}
        row = await Case.select().where(Case.open_key == key).first().run()
        if row is not None:
            case = await records.step(CaseRow(**row), "signal", SYSTEM, now=now, note=signal["summary"], data=data)
            opened = False
        else:
            case = await _insert(signal, kind, key, now)
            await records.append_step(case, "open", SYSTEM, from_state="", at=now, note=signal["summary"], data=data)
            if case.person is not None:
                await inbox.tell(case.person, OPENED_EVENT, {"case": case.number}, now=now)
            opened = True
        # Claim the signal only if no concurrent scan did since we read it (PostgreSQL reads it unlocked):
        # otherwise roll back this attempt's step and read again, which finds the signal in its case.
        claimed = (
            await Signal.update({Signal.case: case.id})
            .where((Signal.id == signal_id) & Signal.case.is_null())
            .returning(Signal.id)
            .run()
        )
        if not claimed:
            raise db.Conflict()
        return case.id, opened

    # A unique clash (another scan opened the same subject's case a moment ago, or a case number
    # drawn twice) rolls back; the next attempt reads again and joins.
    return await db.retrying(attempt, attempts=5, busy=_busy, again=db.is_unique_violation)


async def _insert(signal: dict, kind: str, key: str, now: dt.datetime) -> CaseRow:
    case = CaseRow(
        id=uuid.uuid4(),
        number=records.new_number("YKC", now),
        kind=kind,
        subject_kind=signal["subject_kind"],
        subject_id=signal["subject_id"],
        card_id=signal["card_id"],
        person=signal["person"],
        venue_id=signal["venue_id"],
        city=signal["city"] or "",
        state="open",
        version=1,
        open_key=key,
        summary=signal["summary"],
        assigned_to="",
        decision="",
        fine_yuan=None,
        decision_reason="",
        correction_deadline=None,
        proposed_by="",
        approved_by="",
        decided_at=None,
        appeal="",
        opened_by="system",
        opened_at=now,
        updated_at=now,
    )
    await Case.insert(Case(**{name: getattr(case, name) for name in case.__struct_fields__})).run()
    return case

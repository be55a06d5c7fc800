"""The read side of the HR file: rows as RecordOut, each with its status (corrected or current) and who corrected it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

import msgspec

from backend.hrfile.schemas import KindSummary, RecordOut, RecordPage, RecordSource
from backend.hrfile.tables import Record
from backend.identity.services import person_ids
from backend.lib.errors import ApiError

_COLUMNS = (
    Record.id,
    Record.person,
    Record.kind,
    Record.data,
    Record.effective_on,
    Record.source_kind,
    Record.source_id,
    Record.source_name,
    Record.legal_basis,
    Record.corrects,
    Record.correction_reason,
    Record.recorded_at,
)


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _out(row: dict[str, Any], corrected_by: uuid.UUID | None) -> RecordOut:
    return RecordOut(
        id=uuid.UUID(str(row["id"])),
        kind=row["kind"],
        data=msgspec.json.decode(row["data"]) if isinstance(row["data"], str) else row["data"],
        effective_on=_date(row["effective_on"]),
        source=RecordSource(kind=row["source_kind"], id=row["source_id"], name=row["source_name"]),
        legal_basis=row["legal_basis"],
        recorded_at=row["recorded_at"],
        corrects=_uuid(row["corrects"]),
        correction_reason=row["correction_reason"] or "",
        status="current" if corrected_by is None else "corrected",
        corrected_by=corrected_by,
    )


async def correctors(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """record id -> the record that corrects it (the latest, should several), for these ids."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = (
        await Record.select(Record.id, Record.corrects, Record.recorded_at)
        .where(Record.corrects.is_in(wanted))
        .order_by(Record.recorded_at)
        .run()
    )
    return {uuid.UUID(str(row["corrects"])): uuid.UUID(str(row["id"])) for row in rows}


async def as_out(rows: list[dict[str, Any]]) -> list[RecordOut]:
    """Rows selected with `_COLUMNS`, in their order, as RecordOut with their status."""
    by = await correctors(uuid.UUID(str(row["id"])) for row in rows)
    return [_out(row, by.get(uuid.UUID(str(row["id"])))) for row in rows]


def _newest_first(query: Any) -> Any:
    return query.order_by(Record.effective_on, Record.recorded_at, Record.id, ascending=False)


async def records_of(person_id: uuid.UUID | str, kinds: list[str] | None = None) -> list[RecordOut]:
    """Every record of the holder (and of records merged into theirs), newest first, corrected
    ones included with `status: corrected`. The holder's own view: no access record."""
    where: Any = Record.person.is_in(await person_ids(person_id))
    if kinds:
        where &= Record.kind.is_in(list(kinds))
    return await as_out(await _newest_first(Record.select(*_COLUMNS).where(where)).run())


async def page_of(person_id: uuid.UUID | str, *, kind: str | None, limit: int, before: uuid.UUID | None) -> RecordPage:
    """One page of the holder's records, newest first; `before` is the last id of the page before."""
    ids = await person_ids(person_id)
    where: Any = Record.person.is_in(ids)
    if kind:
        where &= Record.kind == kind
    if before is not None:
        mark = (
            await Record.select(Record.effective_on, Record.recorded_at, Record.id)
            .where(where & (Record.id == before))
            .first()
            .run()
        )
        if mark is None:
            raise ApiError(422, "hrfile.bad_cursor", "`before` names no record of yours in this list.")
        on, at, rid = mark["effective_on"], mark["recorded_at"], mark["id"]
        where &= (
            (Record.effective_on < on)
            | ((Record.effective_on == on) & (Record.recorded_at < at))
            | ((Record.effective_on == on) & (Record.recorded_at == at) & (Record.id < rid))
        )
    rows = await _newest_first(Record.select(*_COLUMNS).where(where)).limit(limit + 1).run()
    items = await as_out(rows[:limit])
    return RecordPage(items=items, next=str(items[-1].id) if len(rows) > limit else None)


async def one_of(person_id: uuid.UUID | str, record_id: uuid.UUID) -> RecordOut:
    """One of the holder's records; 404 `hrfile.not_found` for anyone else's."""
    row = (
        await Record.select(*_COLUMNS)
        .where((Record.id == record_id) & Record.person.is_in(await person_ids(person_id)))
        .first()
        .run()
    )
    if row is None:
        raise ApiError(404, "hrfile.not_found", "You have no record with this id.")
    return (await as_out([row]))[0]


async def summary_of(person_id: uuid.UUID | str) -> list[KindSummary]:
    """Per kind: how many records (corrected ones not counted) and the latest effective date."""
    records = [r for r in await records_of(person_id) if r.status == "current"]
    counts = Counter(r.kind for r in records)
    latest: dict[str, dt.date] = {}
    for r in records:
        latest[r.kind] = max(latest.get(r.kind, r.effective_on), r.effective_on)
    return [KindSummary(kind=k, count=n, latest_on=latest.get(k)) for k, n in sorted(counts.items())]


async def rows_by_id(ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    return await Record.select(*_COLUMNS).where(Record.id.is_in(ids)).run() if ids else []


COLUMNS = _COLUMNS

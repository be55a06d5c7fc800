"""Case rows at the lowest level: load, compare-and-set by version, append the step every change leaves."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.enforcement import case_states as states
from backend.enforcement.tables import Case, CaseStep
from backend.identity.protect import redact
from backend.lib import db
from backend.lib.errors import ApiError


class CaseRow(msgspec.Struct, kw_only=True):
    """One enforcement_case row as read, field for column; `cas` keeps it in step with what it writes."""

    id: uuid.UUID
    number: str
    kind: str
    subject_kind: str
    subject_id: str
    card_id: uuid.UUID | None
    person: uuid.UUID | None
    venue_id: uuid.UUID | None
    city: str
    state: str
    version: int
    open_key: str | None
    summary: str
    assigned_to: str
    decision: str
    fine_yuan: int | None
    decision_reason: str
    correction_deadline: dt.datetime | None
    proposed_by: str
    approved_by: str
    decided_at: dt.datetime | None
    appeal: str
    opened_by: str
    opened_at: dt.datetime
    updated_at: dt.datetime


class StepActor(msgspec.Struct, frozen=True, kw_only=True):
    """Who took a step: a member of staff, the holder, or the system (the detector, a job)."""

    kind: str  # staff | holder | system
    id: str
    name: str = ""


SYSTEM = StepActor(kind="system", id="system", name="Yikatong")


def new_number(prefix: str, now: dt.datetime) -> str:
    """A printed case or order number, e.g. YKC-2026-7F3A9C21: the year and 32 random bits (a
    clash is a unique violation, and the caller's transaction runs again)."""
    return f"{prefix}-{now.year}-{secrets.token_hex(4).upper()}"


async def load(case_id: uuid.UUID | str) -> CaseRow | None:
    row = await Case.select().where(Case.id == case_id).first().run()
    return CaseRow(**row) if row else None


async def get(case_id: uuid.UUID | str) -> CaseRow:
    case = await load(case_id)
    if case is None:
        raise ApiError(404, "case.not_found", "No such case.")
    return case


async def cas(case: CaseRow, values: Mapping[str, Any], now: dt.datetime) -> CaseRow:
    """Write `values` (by column name) only if the case still has the version we read; bump it.

    Raises db.Conflict when another transaction got there first; `case` is updated in place."""
    changes: dict[Column | str, Any] = {name: value for name, value in values.items()}
    changes.update({"version": case.version + 1, "updated_at": now})
    updated = await Case.update(changes).where((Case.id == case.id) & (Case.version == case.version)).returning(Case.id).run()
    if not updated:
        raise db.Conflict()
    for name, value in values.items():
        setattr(case, name, value)
    case.version += 1
    case.updated_at = now
    return case


async def append_step(
    case: CaseRow,
    action: str,
    actor: StepActor,
    *,
    from_state: str,
    at: dt.datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Append the step for the case's current version (call inside the change's transaction)."""
    await CaseStep.insert(
        CaseStep(
            id=uuid.uuid4(),
            case=case.id,
            seq=case.version,
            action=action,
            actor_kind=actor.kind,
            actor_id=actor.id[:64],
            actor_name=actor.name[:128],
            from_state=from_state,
            to_state=case.state,
            note=redact(note)[:2000],  # an identity number typed into a note is not kept in clear
            data=msgspec.json.encode(dict(data or {})).decode(),
            at=at,
        )
    ).run()


async def step(
    case: CaseRow,
    action: str,
    actor: StepActor,
    *,
    now: dt.datetime,
    values: Mapping[str, Any] | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> CaseRow:
    """Take one action on a loaded case: decide the state (states.py), compare-and-set, record
    the step. Leaving the case closed frees its `open_key`, so a new signal opens a new case.
    Call inside a transaction (under db.retrying: db.Conflict means read again)."""
    before = case.state
    after = states.next_state(before, action, actor.kind)
    changes: dict[str, Any] = {"state": after, **(values or {})}
    if isinstance(changes.get("decision_reason"), str):
        changes["decision_reason"] = redact(changes["decision_reason"])
    if after == states.CLOSED:
        changes["open_key"] = None
    await cas(case, changes, now)
    await append_step(case, action, actor, from_state=before, at=now, note=note, data=data)
    return case


def open_key(kind: str, subject_kind: str, subject_id: str) -> str:
    """The one open case per kind and subject (unique while the case is not closed)."""
    return f"{kind}:{subject_kind}:{subject_id}"[:96]

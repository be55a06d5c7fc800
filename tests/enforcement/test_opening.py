"""A signal opens a case or joins the open one for its subject and kind; the holder is told once."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import uuid

import pytest

from tests.enforcement.helpers import World

pytestmark = pytest.mark.anyio


async def _signal(kind: str, card: uuid.UUID, person: uuid.UUID, city: str = "440100") -> uuid.UUID:
    from backend.enforcement.tables import Signal

    now = dt.datetime.now(dt.UTC)
    signal_id = uuid.uuid4()
    await Signal.insert(
        Signal(
            id=signal_id,
            kind=kind,
            subject_kind="card",
            subject_id=str(card),
            card_id=card,
            person=person,
            city=city,
            window_start=now,
            window_end=now,
            score=7,
            summary="Valid uses at 7 venues within 60 min.",
            evidence={"verifications": []},
            dedupe_key=secrets.token_hex(32),
            detected_at=now,
        )
    ).run()
    return signal_id


async def _state(card: uuid.UUID, person: uuid.UUID) -> tuple[list[dict], list[dict], list[dict]]:
    from backend.enforcement.tables import Case, CaseStep
    from backend.inbox.tables import Notice

    cases = await Case.select().where(Case.card_id == card).run()
    steps = (
        await CaseStep.select().where(CaseStep.case.is_in([c["id"] for c in cases])).order_by(CaseStep.seq).run() if cases else []
    )
    notices = await Notice.select().where((Notice.person == person) & (Notice.event == "enforcement.case_opened")).run()
    return cases, steps, notices


async def test_open_then_join(client) -> None:
    from backend.enforcement import opening

    world = World(client)
    holder = await world.holder()
    now = dt.datetime.now(dt.UTC)
    first = await world.call(_signal, "many_venues", holder.card_id, holder.person_id)
    case_id = await world.call(opening.open_or_join, first, now=now)
    assert await world.call(opening.open_or_join, first, now=now) == case_id  # again: nothing new
    second = await world.call(_signal, "far_from_home", holder.card_id, holder.person_id)  # also lending: joins
    assert await world.call(opening.open_or_join_counted, second, now=now) == (case_id, False)
    other = await world.call(_signal, "impossible_travel", holder.card_id, holder.person_id)  # another kind: its own case
    assert await world.call(opening.open_or_join, other, now=now) != case_id

    cases, steps, notices = await world.call(_state, holder.card_id, holder.person_id)
    lending = next(c for c in cases if c["id"] == case_id)
    assert lending["kind"] == "lending" and lending["state"] == "open" and lending["opened_by"] == "system"
    assert lending["city"] == "440100" and lending["number"].startswith("YKC-") and lending["version"] == 2
    assert [(s["action"], s["seq"]) for s in steps if s["case"] == case_id] == [("open", 1), ("signal", 2)]
    assert len(notices) == 2  # one per case opened, none for the signal that joined
    assert any(lending["number"] in str(n["params"]) for n in notices)


async def test_racing_signals_open_one_case(client) -> None:
    from backend.enforcement import opening

    world = World(client)
    holder = await world.holder()
    now = dt.datetime.now(dt.UTC)
    ids = [await world.call(_signal, "many_venues", holder.card_id, holder.person_id) for _ in range(4)]

    async def race() -> list[uuid.UUID]:
        return list(await asyncio.gather(*(opening.open_or_join(i, now=now) for i in ids)))

    cases = await world.call(race)
    assert len(set(cases)) == 1
    _cases, steps, _notices = await world.call(_state, holder.card_id, holder.person_id)
    assert sorted(s["action"] for s in steps) == ["open", "signal", "signal", "signal"]

"""The demo HR file: what `yikatong demo` writes for a demo person, and that a second run writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.anyio


async def test_the_demo_file_is_whole_and_written_once(world):
    from backend.hrfile import seed

    holder = await world.holder()
    first = await world.call(seed.demo, holder.person_id, today=dt.date(2026, 12, 5))
    assert first == 3 + 4 + 24 * 5 + 1
    assert await world.call(seed.demo, holder.person_id, today=dt.date(2026, 12, 5)) == 0

    records = await world.mine(holder)
    kinds = {r["kind"] for r in records}
    assert {"employment_start", "employment_end", "training", "skill_evaluation", "qualification", "contribution"} <= kinds
    contributions = [r for r in records if r["kind"] == "contribution"]
    months = {r["data"]["month"] for r in contributions}
    assert len(months) == 24 and min(months) == "2024-12" and max(months) == "2026-11"
    assert {r["data"]["insurance"] for r in contributions} == {"pension", "medical", "unemployment", "work_injury", "maternity"}
    corrected = [r for r in contributions if r["status"] == "corrected"]
    assert len(corrected) == 1
    fix = next(r for r in contributions if r["id"] == corrected[0]["corrected_by"])
    assert fix["corrects"] == corrected[0]["id"] and fix["data"]["base_fen"] == 800000
    medical = {r["source"]["name"] for r in contributions if r["data"]["insurance"] in ("medical", "maternity")}
    assert medical == {"广东省医疗保障局"}
    summary = (await world.client.get("/api/v1/me/hrfile/summary", headers=holder.headers)).json()
    assert {s["kind"]: s["count"] for s in summary}["contribution"] == 120

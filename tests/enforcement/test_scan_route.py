"""POST /api/v1/enforcement/scan (provincial operators) and GET /api/v1/enforcement/signals (staff, by city)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.enforcement.helpers import World

pytestmark = pytest.mark.anyio


async def _scans(venue: uuid.UUID, scanner: uuid.UUID, result: str, n: int, card=None, person=None) -> None:
    from backend.lib import db
    from backend.venues.tables import Verification

    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "venue": venue,
            "scanner_id": scanner,
            "scenario": "transit_ride",
            "result": result,
            "card_id": card,
            "person": person,
            "at": now - dt.timedelta(minutes=40 - 3 * i),
        }
        for i in range(n)
    ]
    async with db.transaction():
        await db.insert_rows(Verification, rows)


async def _reads(person: uuid.UUID) -> list[dict]:
    from backend.audit.tables import AccessEntry

    return (
        await AccessEntry.select()
        .where((AccessEntry.person == person) & (AccessEntry.action == "enforcement.signals_read"))
        .run()
    )


async def test_scan_now_and_list(client) -> None:
    world = World(client)
    operator = await world.operator()
    counter = await world.staff("counter_operator")
    venue = await world.venue("metro", ["transit_ride"])
    holder = await world.holder()
    forger, gate = uuid.uuid4(), uuid.uuid4()
    await world.call(_scans, venue, forger, "bad_signature", 6)
    await world.call(_scans, venue, gate, "replayed", 5, card=holder.card_id, person=holder.person_id)

    assert (await client.post("/api/v1/enforcement/scan", headers=counter)).status_code == 403
    response = await client.post("/api/v1/enforcement/scan?window_hours=2", headers=operator)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["signals_new"] >= 2 and report["by_kind"]["forgery_attempts"] >= 1
    assert report["verifications"] >= 11

    listed = await client.get("/api/v1/enforcement/signals?kind=forgery_attempts&city=440100&limit=200", headers=counter)
    assert listed.status_code == 200, listed.text
    mine = [s for s in listed.json()["items"] if s["subject_id"] == str(forger)]
    assert len(mine) == 1
    assert mine[0]["case_number"].startswith("YKC-") and mine[0]["score"] == 5 and mine[0]["venue_id"] == str(venue)
    assert len(mine[0]["evidence"]["verifications"]) == 5  # the burst as it reached the threshold

    # a signal about a card: reading it is on the holder's access record
    replays = await client.get("/api/v1/enforcement/signals?kind=replay_attempts&limit=200", headers=counter)
    assert any(s["card_id"] == str(holder.card_id) for s in replays.json()["items"])
    reads = await world.call(_reads, holder.person_id)
    assert reads and reads[0]["basis_kind"] == "official_duty" and reads[0]["basis_ref"].startswith("YKC-")

    # city staff see their own city only
    assert (await client.get("/api/v1/enforcement/signals?city=440300", headers=counter)).status_code == 403
    # again: the same patterns, nothing new for them
    again = await client.post("/api/v1/enforcement/scan?window_hours=2", headers=operator)
    assert again.status_code == 200
    listed = await client.get("/api/v1/enforcement/signals?kind=forgery_attempts&limit=200", headers=operator)
    assert len([s for s in listed.json()["items"] if s["subject_id"] == str(forger)]) == 1


async def test_bad_parameters(client) -> None:
    world = World(client)
    operator = await world.operator()
    assert (await client.post("/api/v1/enforcement/scan?window_hours=0", headers=operator)).status_code == 400
    assert (await client.get("/api/v1/enforcement/signals?kind=nonsense", headers=operator)).status_code == 400
    assert (await client.get("/api/v1/enforcement/signals")).status_code == 401


def test_periodic_job_registered() -> None:
    from backend.features import job_handlers, periodic_jobs
    from backend.lib.settings import load_settings

    assert "enforcement.scan" in job_handlers()
    assert periodic_jobs()["enforcement.scan"](load_settings()) == load_settings().misuse_scan_seconds


def test_cli_parses() -> None:
    from backend.cli import build_parser

    args = build_parser().parse_args(["enforcement", "scan", "--window-hours", "24"])
    assert args.window_hours == 24 and callable(args.func)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["enforcement", "scan", "--window-hours", "0"])

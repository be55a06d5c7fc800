"""Banks' daily reports: versions, duplicates, bounded days, each bank sees only its own, staff see the newest."""

import asyncio
import datetime as dt

import pytest

from backend.payments.vocab import CST
from tests.payments.ledger_helpers import books, past_day

pytestmark = pytest.mark.anyio
REPORTS = "/api/v1/bank/reports"
STAFF_REPORTS = "/api/v1/staff/payments/reports"


def _figures(on: dt.date, **over) -> dict:
    body = {
        "day": on.isoformat(),
        "cards_opened": 12,
        "accounts_open": 40_210,
        "accounts_closed": 2,
        "instructions_received": 5_130,
        "credited_count": 5_101,
        "credited_fen": 1_623_455_100,
        "returned_count": 29,
        "returned_fen": 8_702_300,
        "branches_serving": 311,
        "counter_transactions": 1_877,
        "complaints": 1,
    }
    body.update(over)
    return body


async def test_a_report_is_kept_with_versions_and_a_repeat_changes_nothing(world):
    b, day = await books(world), past_day()
    bank = await world.bank_client(b.bank)

    first = await world.client.post(REPORTS, json=_figures(day), headers=bank)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["duplicate"], first.json()["bank_code"]) == (1, False, b.bank)
    assert first.json()["figures"] == _figures(day)

    again = await world.client.post(REPORTS, json=_figures(day), headers=bank)
    assert again.status_code == 200 and (again.json()["version"], again.json()["duplicate"]) == (1, True)

    corrected = await world.client.post(REPORTS, json=_figures(day, credited_fen=1_623_455_000), headers=bank)
    assert corrected.status_code == 201 and corrected.json()["version"] == 2
    repeat = await world.client.post(REPORTS, json=_figures(day, credited_fen=1_623_455_000), headers=bank)
    assert repeat.status_code == 200 and (repeat.json()["version"], repeat.json()["duplicate"]) == (2, True)

    mine = await world.client.get(REPORTS, params={"day": day.isoformat()}, headers=bank)
    assert mine.status_code == 200
    assert [(r["version"], r["figures"]["credited_fen"]) for r in mine.json()["items"]] == [
        (2, 1_623_455_000),
        (1, 1_623_455_100),
    ]

    op = await world.operator()
    staff = await world.client.get(STAFF_REPORTS, params={"day": day.isoformat(), "bank": b.bank}, headers=op)
    assert staff.status_code == 200
    assert [(r["bank_code"], r["version"], r["figures"]["credited_fen"]) for r in staff.json()["items"]] == [
        (b.bank, 2, 1_623_455_000)
    ]
    everyone = await world.client.get(STAFF_REPORTS, params={"day": day.isoformat()}, headers=op)
    assert [r["version"] for r in everyone.json()["items"] if r["bank_code"] == b.bank] == [2]


async def test_another_bank_neither_reads_nor_touches_a_banks_reports(world):
    b, other, day = await books(world), await books(world), past_day()
    bank, other_bank = await world.bank_client(b.bank), await world.bank_client(other.bank)
    assert (await world.client.post(REPORTS, json=_figures(day), headers=bank)).status_code == 201

    theirs = await world.client.get(REPORTS, params={"day": day.isoformat()}, headers=other_bank)
    assert theirs.status_code == 200 and theirs.json()["items"] == []
    # The other bank's report for the same day is its own version 1, not a version of the first bank's.
    own = await world.client.post(REPORTS, json=_figures(day, complaints=7), headers=other_bank)
    assert own.status_code == 201 and (own.json()["bank_code"], own.json()["version"]) == (other.bank, 1)
    mine = await world.client.get(REPORTS, params={"day": day.isoformat()}, headers=bank)
    assert [(r["bank_code"], r["version"], r["figures"]["complaints"]) for r in mine.json()["items"]] == [(b.bank, 1, 1)]

    # Only banks send reports, and only province staff read everyone's.
    payer = await world.payer()
    assert (await world.client.post(REPORTS, json=_figures(day), headers=payer.headers)).status_code == 403
    assert (await world.client.get(STAFF_REPORTS, params={"day": day.isoformat()}, headers=bank)).status_code == 403
    counter = await world.staff("counter_operator")
    assert (await world.client.get(STAFF_REPORTS, params={"day": day.isoformat()}, headers=counter)).status_code == 403


async def test_a_report_day_is_neither_in_the_future_nor_too_old_and_figures_are_bounded(world):
    b = await books(world)
    bank = await world.bank_client(b.bank)
    today = dt.datetime.now(CST).date()
    for day in (today + dt.timedelta(days=2), today - dt.timedelta(days=401)):
        response = await world.client.post(REPORTS, json=_figures(day), headers=bank)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "bank_report.bad_day"
    assert (await world.client.post(REPORTS, json=_figures(today), headers=bank)).status_code == 201
    assert (await world.client.post(REPORTS, json=_figures(today - dt.timedelta(days=400)), headers=bank)).status_code == 201

    for bad in ({"credited_fen": -1}, {"credited_count": 2**31}, {"surprise": 1}, {"day": "2026-13-01"}):
        response = await world.client.post(REPORTS, json=_figures(today, **bad), headers=bank)
        assert response.status_code == 400, (bad, response.text)
    missing = _figures(today)
    del missing["credited_fen"]
    assert (await world.client.post(REPORTS, json=missing, headers=bank)).status_code == 400
    future = (today + dt.timedelta(days=2)).isoformat()
    response = await world.client.get(REPORTS, params={"day": future}, headers=bank)
    assert response.status_code == 422 and response.json()["error"]["code"] == "bank_report.bad_day"


async def test_racing_submissions_of_one_day_make_one_version_per_distinct_figures(world):
    b, day = await books(world), past_day()
    bank = await world.bank_client(b.bank)

    async def send(body: dict):
        return await world.client.post(REPORTS, json=body, headers=bank)

    same = await asyncio.gather(*(send(_figures(day)) for _ in range(4)))
    assert sorted(r.status_code for r in same) == [200, 200, 200, 201]
    assert {r.json()["version"] for r in same} == {1}
    corrections = await asyncio.gather(*(send(_figures(day, complaints=n)) for n in (2, 3)))
    assert sorted(r.json()["version"] for r in corrections) == [2, 3]
    mine = await world.client.get(REPORTS, params={"day": day.isoformat()}, headers=bank)
    assert [r["version"] for r in mine.json()["items"]] == [3, 2, 1]

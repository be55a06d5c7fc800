"""The daily reconciliation per bank and per agency: balanced days, a bank's report one fen off, no report, a bad journal."""

import asyncio
import datetime as dt

import pytest

from tests.payments.ledger_helpers import Books, books, delete_lines, noon, past_day, stray_line

pytestmark = pytest.mark.anyio
RECONCILE = "/api/v1/staff/payments/reconciliation"


async def _a_busy_day(b: Books, day: dt.date) -> None:
    """The day before: one order sent to the bank. The day: it is credited; others are instructed and credited,
    returned, cancelled from pending, left in transit, and withdrawn back to pending."""
    before, at = noon(day - dt.timedelta(days=1)), noon(day)
    await b.order(10_000, "credited", moves=[("accept", before), ("instruct", before), ("credit", at)])
    await b.order(20_000, "credited", moves=[("accept", at), ("instruct", at), ("credit", at)])
    await b.order(30_000, "held", moves=[("accept", at), ("instruct", at), ("return", at)])
    await b.order(40_000, "cancelled", moves=[("accept", at), ("cancel_pending", at)], bank=False)
    await b.order(50_000, "instructed", moves=[("accept", at), ("instruct", at)])
    await b.order(7_000, "accepted", moves=[("accept", at), ("instruct", at), ("withdraw", at)])


async def _reconcile(world, day: dt.date) -> dict:
    response = await world.client.get(RECONCILE, params={"day": day.isoformat()}, headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


def _row(items: list[dict], key: str, code: str) -> dict | None:
    return next((item for item in items if item[key] == code), None)


async def _report(world, b: Books, day: dt.date, credited_fen: int, credited_count: int) -> None:
    figures = {
        "day": day.isoformat(),
        "cards_opened": 3,
        "accounts_open": 1200,
        "accounts_closed": 1,
        "instructions_received": 5,
        "credited_count": credited_count,
        "credited_fen": credited_fen,
        "returned_count": 1,
        "returned_fen": 30_000,
        "branches_serving": 12,
        "counter_transactions": 40,
        "complaints": 0,
    }
    response = await world.client.post("/api/v1/bank/reports", json=figures, headers=await world.bank_client(b.bank))
    assert response.status_code == 201, response.text


async def test_a_day_of_instructions_credits_a_return_and_a_cancellation_reconciles(world):
    b, day = await books(world), past_day()
    await _a_busy_day(b, day)
    rec = await _reconcile(world, day)
    assert rec["day"] == day.isoformat() and rec["journals_balanced"] is True

    bank = _row(rec["banks"], "bank_code", b.bank)
    assert bank == {
        "bank_code": b.bank,
        "opening_in_transit_fen": 10_000,
        "instructed_fen": 20_000 + 30_000 + 50_000 + 7_000,
        "credited_fen": 10_000 + 20_000,
        "returned_fen": 30_000,
        "withdrawn_fen": 7_000,
        "closing_in_transit_fen": 50_000,
        "ledger_closing_in_transit_fen": 50_000,
        "credited_count": 2,
        "reported_credited_fen": None,  # no report came: balanced on the ledger alone
        "reported_credited_count": None,
        "difference_fen": None,
        "balanced": True,
    }
    agency = _row(rec["agencies"], "agency_code", b.agency)
    assert agency == {
        "agency_code": b.agency,
        "committed_fen": 20_000 + 30_000 + 40_000 + 50_000 + 7_000,
        "credited_fen": 30_000,
        "cancelled_fen": 40_000,
        "pending_fen": 7_000,
        "held_fen": 30_000,
        "in_transit_fen": 50_000,
        "balance_fen": -(10_000 + 147_000) + 40_000,
        "balanced": True,
    }

    # The day before: the first order went out and stayed in transit overnight.
    before = await _reconcile(world, day - dt.timedelta(days=1))
    assert _row(before["banks"], "bank_code", b.bank)["closing_in_transit_fen"] == 10_000
    assert _row(before["agencies"], "agency_code", b.agency)["in_transit_fen"] == 10_000


async def test_the_banks_report_agrees_to_the_fen_or_the_day_is_not_balanced(world):
    b, day = await books(world), past_day()
    await _a_busy_day(b, day)

    await _report(world, b, day, 30_000, 2)
    bank = _row((await _reconcile(world, day))["banks"], "bank_code", b.bank)
    assert (bank["reported_credited_fen"], bank["reported_credited_count"], bank["difference_fen"]) == (30_000, 2, 0)
    assert bank["balanced"] is True

    await _report(world, b, day, 30_001, 2)  # a correction, one fen more than the ledger credited
    rec = await _reconcile(world, day)
    bank = _row(rec["banks"], "bank_code", b.bank)
    assert (bank["reported_credited_fen"], bank["difference_fen"], bank["balanced"]) == (30_001, 1, False)
    assert rec["balanced"] is False

    await _report(world, b, day, 29_999, 2)
    bank = _row((await _reconcile(world, day))["banks"], "bank_code", b.bank)
    assert (bank["difference_fen"], bank["balanced"]) == (-1, False)

    await _report(world, b, day, 30_000, 3)  # the right sum, but a credit too many
    bank = _row((await _reconcile(world, day))["banks"], "bank_code", b.bank)
    assert (bank["difference_fen"], bank["reported_credited_count"], bank["balanced"]) == (0, 3, False)


async def test_a_report_of_a_quiet_day_shows_what_the_ledger_lacks(world):
    b, day = await books(world), past_day()
    await _report(world, b, day, 5_000, 1)
    bank = _row((await _reconcile(world, day))["banks"], "bank_code", b.bank)
    assert (bank["credited_fen"], bank["reported_credited_fen"], bank["difference_fen"], bank["balanced"]) == (
        0,
        5_000,
        5_000,
        False,
    )


async def test_an_unbalanced_journal_is_found(world):
    b, day = await books(world), past_day(301, 390)
    order = await b.order(12_345, "accepted", moves=[("accept", noon(day))], bank=False)
    assert (await _reconcile(world, day))["journals_balanced"] is True
    line = await stray_line(world, b, order, 1, day)
    try:
        rec = await _reconcile(world, day)
        assert rec["journals_balanced"] is False and rec["balanced"] is False
    finally:
        await delete_lines(world, [line])
    assert (await _reconcile(world, day))["journals_balanced"] is True


async def test_days_out_of_bounds_and_who_may_ask(world):
    op = await world.operator()
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    for day in (today + dt.timedelta(days=2), today - dt.timedelta(days=4000)):
        response = await world.client.get(RECONCILE, params={"day": day.isoformat()}, headers=op)
        assert response.status_code == 422 and response.json()["error"]["code"] == "reconciliation.bad_day"
    assert (await world.client.get(RECONCILE, params={"day": "2026-02-30"}, headers=op)).status_code == 400
    assert (await world.client.get(RECONCILE, headers=op)).status_code == 400
    bank = await world.bank_client((await books(world)).bank)
    assert (await world.client.get(RECONCILE, params={"day": today.isoformat()}, headers=bank)).status_code == 403
    clerk = await world.staff("counter_operator")
    assert (await world.client.get(RECONCILE, params={"day": today.isoformat()}, headers=clerk)).status_code == 403


async def _pull(world, bank: dict[str, str], agency: str, count: int) -> dict[int, str]:
    """The bank's pending instructions of this agency by amount, once the worker (embedded, or run_jobs) made them."""
    ours: dict[int, str] = {}
    for _ in range(100):
        await world.run_jobs()
        pulled = await world.client.get("/api/v1/bank/instructions?status=pending&limit=500", headers=bank)
        assert pulled.status_code == 200, pulled.text
        ours = {i["amount_fen"]: i["id"] for i in pulled.json()["items"] if i["payer_agency"] == agency}
        if len(ours) >= count:
            break
        await asyncio.sleep(0.1)
    return ours


async def test_a_day_through_the_api_reconciles_for_the_agency_and_the_bank(world):
    """End to end: an agency submits four, the worker instructs them, the bank credits two and returns two,
    the agency cancels one returned; the day's figures move by exactly that and stay balanced."""
    from tests.payments.helpers import BANK

    await world.office()  # seeds the bank holders' cards are issued at
    bank = await world.bank_client(BANK)
    payer = await world.payer()
    holders = [await world.holder_with_account(bank) for _ in range(3)]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    await world.run_jobs()  # work other tests left due moves the bank's figures before the snapshot, not after it
    before = await _reconcile(world, today)
    check_before = (await world.client.get("/api/v1/staff/payments/ledger/check", headers=await world.operator())).json()

    orders = []
    for holder, amount in zip([*holders, holders[0]], (10_000, 20_000, 30_000, 45_000), strict=True):
        response = await world.client.post("/api/v1/payments/orders", json=world.line(holder, amount), headers=payer.headers)
        assert response.status_code == 201, response.text
        orders.append(response.json()["id"])
    ours = await _pull(world, bank, payer.code, 4)
    assert sorted(ours) == [10_000, 20_000, 30_000, 45_000]
    returned = {"outcome": "returned", "reason_code": "account_closed"}
    for amount, answer in (
        (10_000, {"outcome": "credited"}),
        (20_000, {"outcome": "credited"}),
        (30_000, returned),
        (45_000, returned),
    ):
        response = await world.client.post(f"/api/v1/bank/instructions/{ours[amount]}/answers", json=answer, headers=bank)
        assert response.status_code == 200, response.text
    cancel = await world.client.post(
        f"/api/v1/payments/orders/{orders[3]}/cancel", json={"reason": "Beneficiary deceased"}, headers=payer.headers
    )
    assert cancel.status_code == 200, cancel.text

    after = await _reconcile(world, today)
    assert after["journals_balanced"] is True
    agency = _row(after["agencies"], "agency_code", payer.code)
    assert agency == {
        "agency_code": payer.code,
        "committed_fen": 105_000,
        "credited_fen": 30_000,
        "cancelled_fen": 45_000,
        "pending_fen": 0,
        "held_fen": 30_000,
        "in_transit_fen": 0,
        "balance_fen": -60_000,
        "balanced": True,
    }
    was, now = _row(before["banks"], "bank_code", BANK) or {}, _row(after["banks"], "bank_code", BANK)
    moved = {k: now[k] - was.get(k, 0) for k in ("instructed_fen", "credited_fen", "returned_fen", "credited_count")}
    assert moved == {"instructed_fen": 105_000, "credited_fen": 30_000, "returned_fen": 75_000, "credited_count": 2}
    assert now["closing_in_transit_fen"] == now["ledger_closing_in_transit_fen"]

    check = (await world.client.get("/api/v1/staff/payments/ledger/check", headers=await world.operator())).json()
    assert check["orders_checked"] - check_before["orders_checked"] == 4
    assert check["orders_misplaced"] == check_before["orders_misplaced"]
    assert check["unbalanced_journals"] == check_before["unbalanced_journals"]

"""The ledger check: journals sum to zero, balances per account, each order's money where its status says; the CLI."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from tests.payments.ledger_helpers import books, delete_lines, noon, past_day, stray_line

pytestmark = pytest.mark.anyio
CHECK = "/api/v1/staff/payments/ledger/check"


async def _check(world) -> dict:
    response = await world.client.get(CHECK, headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


async def _set_status(world, order_id: uuid.UUID, status: str) -> None:
    from backend.payments.tables import Order

    await world.call(Order.update({Order.status: status}).where(Order.id == order_id).run)


async def test_orders_moved_by_the_book_are_in_place_with_their_balances(world):
    b, day = await books(world), past_day()
    at = noon(day)
    before = await _check(world)
    await b.order(10_000, "credited", moves=[("accept", at), ("instruct", at), ("credit", at)])
    await b.order(20_000, "held", moves=[("accept", at), ("instruct", at), ("return", at)])
    await b.order(30_000, "accepted", moves=[("accept", at), ("hold", at), ("retry", at)], bank=False)
    await b.order(40_000, "cancelled", moves=[("accept", at), ("hold", at), ("cancel_held", at)], bank=False)
    await b.order(50_000, "instructed", moves=[("accept", at), ("instruct", at), ("withdraw", at), ("instruct", at)])
    after = await _check(world)

    assert after["orders_checked"] - before["orders_checked"] == 5
    assert after["orders_misplaced"] == before["orders_misplaced"]
    assert after["unbalanced_journals"] == before["unbalanced_journals"]
    assert after["journals"] - before["journals"] == 3 + 3 + 3 + 3 + 4
    assert after["entries"] - before["entries"] == 2 * 16
    balances = after["balances"]
    assert balances[f"agency:{b.agency}"] == -(10_000 + 20_000 + 30_000 + 50_000)
    assert balances[f"bank:{b.bank}:paid"] == 10_000
    assert balances[f"bank:{b.bank}:in_transit"] == 50_000
    assert sum(balances.values()) == 0  # every journal balanced: so is the whole ledger


async def test_an_order_whose_money_is_not_where_its_status_says_is_counted(world):
    b, day = await books(world), past_day()
    at = noon(day)
    before = await _check(world)
    # The status says credited, but the ledger left the money held.
    order = await b.order(25_000, "credited", moves=[("accept", at), ("hold", at)])
    try:
        after = await _check(world)
        assert after["orders_misplaced"] - before["orders_misplaced"] == 1
        assert after["unbalanced_journals"] == before["unbalanced_journals"] and after["ok"] is False
    finally:
        await _set_status(world, order, "held")  # where its money is: the order is in place again
    assert (await _check(world))["orders_misplaced"] == before["orders_misplaced"]

    # Cancelled with its money never given back to the agency.
    cancelled = await b.order(5_000, "cancelled", moves=[("accept", at)], bank=False)
    try:
        assert (await _check(world))["orders_misplaced"] - before["orders_misplaced"] == 1
    finally:
        await _set_status(world, cancelled, "accepted")


async def test_a_journal_that_does_not_balance_fails_the_check(world):
    b, day = await books(world), past_day(301, 390)
    order = await b.order(12_345, "accepted", moves=[("accept", noon(day))], bank=False)
    before = await _check(world)
    line = await stray_line(world, b, order, 7, day)
    try:
        after = await _check(world)
        assert after["unbalanced_journals"] - before["unbalanced_journals"] == 1 and after["ok"] is False
        assert sum(after["balances"].values()) - sum(before["balances"].values()) == 7
    finally:
        await delete_lines(world, [line])
    assert (await _check(world))["unbalanced_journals"] == before["unbalanced_journals"]


async def test_only_province_staff_check_the_ledger(world):
    bank = await world.bank_client((await books(world)).bank)
    assert (await world.client.get(CHECK, headers=bank)).status_code == 403
    assert (await world.client.get(CHECK, headers=await world.staff("counter_operator"))).status_code == 403
    assert (await world.client.get(CHECK)).status_code == 401


def _yikatong(data_dir: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "YIKATONG_DATA_DIR": data_dir,
        "YIKATONG_DATABASE_URL": "",
        "YIKATONG_REDIS_URL": "",
        "YIKATONG_ENV": "test",
    }
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True, timeout=120)


def _insert_line(path: str, journal: str, account: str, amount: int, day: dt.date) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            'INSERT INTO payments_ledger_entry (id, journal, "order", kind, account, amount_fen, agency_code, bank_code, day, at) '
            "VALUES (?, ?, ?, 'accept', ?, ?, 'T-PAY-CLI', '', ?, ?)",
            (
                str(uuid.uuid4()),
                journal,
                str(uuid.uuid4()),
                account,
                amount,
                day.isoformat(),
                f"{day.isoformat()}T04:00:00+00:00",
            ),
        )


def test_the_cli_exits_non_zero_when_the_ledger_does_not_balance(tmp_path):
    data_dir = str(tmp_path)
    assert _yikatong(data_dir, "migrate").returncode == 0
    database = str(tmp_path / "yikatong.sqlite")
    day = dt.date.today() - dt.timedelta(days=3)
    journal = str(uuid.uuid4())
    _insert_line(database, journal, "orders:pending", 150_000, day)
    _insert_line(database, journal, "agency:T-PAY-CLI", -150_000, day)

    ok = _yikatong(data_dir, "payments", "check-ledger")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "agency:T-PAY-CLI" in ok.stdout and "-1,500.00" in ok.stdout and "OK: the ledger is balanced" in ok.stdout
    day_ok = _yikatong(data_dir, "payments", "reconcile", "--day", day.isoformat())
    assert day_ok.returncode == 0 and "T-PAY-CLI" in day_ok.stdout, day_ok.stdout + day_ok.stderr

    _insert_line(database, str(uuid.uuid4()), "orders:pending", 1, day)  # a line with no counterpart
    bad = _yikatong(data_dir, "payments", "check-ledger")
    assert bad.returncode == 1 and "unbalanced journals: 1" in bad.stdout and "NOT BALANCED" in bad.stdout
    day_bad = _yikatong(data_dir, "payments", "reconcile", "--day", day.isoformat())
    assert day_bad.returncode == 1 and "journals of the day balanced: NO" in day_bad.stdout

    future = _yikatong(data_dir, "payments", "reconcile", "--day", (day + dt.timedelta(days=30)).isoformat())
    assert future.returncode == 2 and "error:" in future.stderr

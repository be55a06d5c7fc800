"""The bank simulator against the real API (both databases): it opens accounts with numbers of its own,
credits each instruction once however often it answers, returns what it is told to, refuses what does not
verify, and reports its day from its books."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from backend.banksim.books import Books, luhn_ok
from backend.banksim.sim import today

pytestmark = pytest.mark.anyio


async def test_accounts_opened_and_payments_credited_once_despite_repeated_answers(world, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="yikatong.banksim")
    bank, token = await world.fresh_bank()
    payer = await world.payer("hrss")
    holders = [await world.holder_at(bank, name) for name in ("王小明", "李秀英", "陈大文")]
    books = Books(tmp_path / "books.sqlite")
    sim = world.simulator(books, [token], seed=7, duplicate_rate=1.0, accept_first=True)

    opened = await sim.run_once()
    assert (opened.opened, opened.refused, opened.conflicts, opened.failed) == (3, 0, 0, 0)
    numbers = [n for _rid, outcome, n, answer in books.accounts(bank) if outcome == "opened" and answer == "opened"]
    assert len(numbers) == 3 and all(n and luhn_ok(n) for n in numbers)

    batch = await world.submit(payer.headers, [world.line(h, 100_000 + i) for i, h in enumerate(holders)])
    await world.executed(payer.headers, batch["id"])  # each order instructed to the account the bank opened
    paid = await sim.run_once()
    assert (paid.accepted, paid.credited, paid.returned, paid.conflicts, paid.failed) == (3, 3, 0, 0, 0)
    assert paid.duplicates_sent >= 3  # every answer sent twice, each taken as a duplicate (else `failed`)

    orders = await world.orders(payer.headers, batch["id"])
    assert sorted(o["status"] for o in orders) == ["credited"] * 3
    assert sorted(o["account"][-4:] for o in orders) == sorted(n[-4:] for n in numbers)
    totals = books.totals(bank)
    assert (totals.credited_count, totals.credited_fen, totals.double_credits) == (3, 300_003, 0)

    again = await sim.run_once()  # nothing left: no answer is sent again, nothing credited again
    assert again.progress == 0 and books.totals(bank).credited_fen == 300_003
    # The bank's log says what it did, never whom to: no name, identity number or full account number.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name == "yikatong.banksim")
    assert "instruction credited" in logged and "account request answered" in logged
    assert not [x for h in holders for x in (h.id_number, h.name) if x in logged]
    assert not [n for n in numbers if n in logged] and all(f"****{n[-4:]}" in logged for n in numbers)


async def test_returned_payments_are_held_and_a_retry_goes_back_to_the_bank(world, tmp_path):
    bank, token = await world.fresh_bank()
    payer = await world.payer("hrss")
    keep, lose = await world.holder_at(bank), await world.holder_at(bank)
    books = Books(tmp_path / "books.sqlite")
    await world.simulator(books, [token]).run_once()
    closed = next(n for _r, _o, n, _a in books.accounts(bank) if n)  # one of the two accounts: always returned
    sim = world.simulator(books, [token], return_accounts=frozenset({closed}))

    batch = await world.submit(payer.headers, [world.line(keep, 50_000), world.line(lose, 50_000)])
    await world.executed(payer.headers, batch["id"])
    done = await sim.run_once()
    assert (done.credited, done.returned) == (1, 1)
    orders = {o["status"]: o for o in await world.orders(payer.headers, batch["id"])}
    assert set(orders) == {"credited", "held"}
    assert (orders["held"]["hold_reason"], orders["held"]["hold_detail"]) == ("returned", "account_closed")

    retry = await world.client.post(f"/api/v1/payments/orders/{orders['held']['id']}/retry", headers=payer.headers)
    assert retry.status_code == 200, retry.text
    await world.executed(payer.headers, batch["id"])
    assert (await sim.run_once()).returned == 1  # a new instruction, returned again by the bank
    cancel = await world.client.post(
        f"/api/v1/payments/orders/{orders['held']['id']}/cancel", json={"reason": "Account closed"}, headers=payer.headers
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    totals = books.totals(bank)
    assert (totals.credited_fen, totals.returned_count, totals.returned_fen, totals.double_credits) == (50_000, 2, 100_000, 0)


async def test_an_instruction_that_does_not_verify_is_never_credited(world, tmp_path):
    from backend.lib import ed25519

    bank, token = await world.fresh_bank()
    payer = await world.payer("hrss")
    holder = await world.holder_at(bank)
    books = Books(tmp_path / "books.sqlite")
    sim = world.simulator(books, [token])
    await sim.run_once()
    batch = await world.submit(payer.headers, [world.line(holder, 12_345)])
    await world.executed(payer.headers, batch["id"])
    # The bank holds a wrong public key under the signer's kid (a forged or altered instruction looks the same).
    sim.keys = {kid: ed25519.generate()[1] for kid in (await sim.apis[0].public_keys())}
    done = await sim.run_once()
    assert (done.bad_signatures, done.credited, done.returned) == (1, 0, 1)
    (order,) = await world.orders(payer.headers, batch["id"])
    assert (order["status"], order["hold_reason"], order["hold_detail"]) == ("held", "returned", "other")
    assert books.totals(bank).credited_fen == 0


async def test_refused_accounts_and_delayed_answers(world, tmp_path):
    bank, token = await world.fresh_bank()
    await world.holder_at(bank)
    books = Books(tmp_path / "books.sqlite")
    done = await world.simulator(books, [token], refuse_rate=1.0).run_once()
    assert (done.opened, done.refused) == (0, 1)
    refused = await world.client.get("/api/v1/bank/account-requests?status=refused", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 200, refused.text
    assert [i["status"] for i in refused.json()["items"]] == ["refused"]

    holder = await world.holder_at(bank)
    payer = await world.payer("hrss")
    await world.simulator(books, [token]).run_once()
    batch = await world.submit(payer.headers, [world.line(holder, 7_000)])
    await world.executed(payer.headers, batch["id"])
    sim = world.simulator(books, [token], delay_seconds=0.5)
    first = await sim.step()
    assert (first.held_back, first.credited) == (1, 0)  # held back: the answer is not due yet
    (order,) = await world.orders(payer.headers, batch["id"])
    assert order["status"] == "instructed"
    assert (await sim.run_once()).credited == 1  # waits until it is due, then answers
    (order,) = await world.orders(payer.headers, batch["id"])
    assert order["status"] == "credited"


async def test_the_daily_report_comes_from_the_books(world, tmp_path):
    bank, token = await world.fresh_bank()
    payer = await world.payer("hrss")
    holders = [await world.holder_at(bank), await world.holder_at(bank)]
    books = Books(tmp_path / "books.sqlite")
    day = today()
    sim = world.simulator(books, [token], report_day=day)
    await sim.run_once()
    batch = await world.submit(payer.headers, [world.line(h, 20_000) for h in holders])
    await world.executed(payer.headers, batch["id"])
    done = await sim.run_once()
    assert done.credited == 2 and done.reports >= 1
    reports = await world.client.get(f"/api/v1/bank/reports?day={day.isoformat()}", headers={"Authorization": f"Bearer {token}"})
    assert reports.status_code == 200, reports.text
    newest = max(reports.json()["items"], key=lambda r: r["version"])
    figures = newest["figures"]
    assert (figures["cards_opened"], figures["accounts_open"], figures["instructions_received"]) == (2, 2, 2)
    assert (figures["credited_count"], figures["credited_fen"], figures["returned_count"]) == (2, 40_000, 0)
    assert (await sim.send_reports()).reports == 0  # the same figures are not sent again
    assert sim.figures(bank, day - dt.timedelta(days=1))["credited_fen"] == 0

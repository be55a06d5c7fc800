"""Re-routing: orders waiting for an account go again when it opens; a bank's unaccepted instructions when its cooperation ends.

Both run as jobs (payments/workers.py) after the cards feature's commit, and both may run twice: each
decides from what it reads and moves orders by compare-and-set, so a second run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import Counter
from typing import Any

import msgspec

from backend.identity import services as identity
from backend.jobs import services as jobs
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Bank
from backend.payments import effects, ledger, moves
from backend.payments import schemas as s
from backend.payments.tables import AgencyEvent, Instruction, Order
from backend.payments.vocab import AUTO_RETRY, CANCELLED, HELD, INSTRUCTED

CHUNK = 200  # orders per transaction and per execute job
ATTEMPTS = 5


def _busy() -> ApiError:
    return ApiError(503, "service.unavailable", "Payment orders were changed meanwhile; the job runs again.")


async def _move(order: dict[str, Any], status: str, now: dt.datetime, **more: Any) -> None:
    """Compare-and-set the order's status on its version (and its status as read)."""
    changed = await (
        Order.update({Order.status: status, Order.version: order["version"] + 1, Order.updated_at: now}, **more)
        .where((Order.id == order["id"]) & (Order.version == order["version"]) & (Order.status == order["status"]))
        .returning(Order.id)
        .run()
    )
    if not changed:
        raise db.Conflict()


async def _execute_again(order_ids: list[uuid.UUID], now: dt.datetime) -> None:
    """New execute jobs for these orders (at most CHUNK each), inside the move's transaction."""
    payloads: list[jobs.Payload] = [
        {"order_ids": [str(i) for i in order_ids[n : n + CHUNK]]} for n in range(0, len(order_ids), CHUNK)
    ]
    if payloads:
        await jobs.enqueue_many("payments.execute", payloads, now=now)


# --- an account opened ------------------------------------------------------------------------


async def on_account_opened(person_id: str) -> int:
    """The person's card now has an account: their orders held for a reason that went away by itself
    (payments/vocab.AUTO_RETRY) go again: accepted, ledger retry, a new execute job, in one
    transaction per chunk. Returns how many went again."""
    people = await identity.person_ids(person_id)  # orders kept under a record merged into theirs too
    retried = 0
    for _ in range(10_000):
        moved = await db.retrying(functools.partial(_retry_held, people), attempts=ATTEMPTS, busy=_busy)
        if not moved:
            return retried
        retried += moved
    return retried


async def _retry_held(people: list[uuid.UUID]) -> int:
    """One chunk of the people's auto-retry holds, read and moved in this transaction."""
    rows = (
        await Order.select(Order.id, Order.version, Order.status, Order.amount_fen, Order.agency.code.as_alias("agency_code"))
        .where(Order.person.is_in(people) & (Order.status == HELD) & Order.hold_reason.is_in(sorted(AUTO_RETRY)))
        .order_by(Order.id)
        .limit(CHUNK)
        .run()
    )
    now = dt.datetime.now(dt.UTC)
    journal: list[dict[str, object]] = []
    for order in rows:
        await _move(order, moves.target("retry"), now, hold_reason="", hold_detail="")
        journal += ledger.journal_rows(order["id"], "retry", order["amount_fen"], agency=order["agency_code"], at=now)
    await ledger.post_many(journal)
    await _execute_again([o["id"] for o in rows], now)
    return len(rows)


# --- a bank's cooperation ended ---------------------------------------------------------------


async def on_bank_ended(bank_id: str) -> int:
    """Take back every instruction the ended bank had not accepted (withdrawn; the order is accepted
    again, ledger withdraw, a new execute job routes it to the holder's new bank or holds it until the
    account there opens). Instructions the bank accepted stay: it must still answer them. Each paying
    agency with orders at the bank is told once, with counts. Returns how many were taken back."""
    bank = await Bank.select(Bank.id, Bank.code, Bank.status).where(Bank.id == uuid.UUID(str(bank_id))).first().run()
    if bank is None or bank.get("status") != "ended":
        return 0  # nothing to take back from a bank still in cooperation
    withdrawn = 0
    for _ in range(10_000):
        seen, taken = await db.retrying(functools.partial(_withdraw, bank), attempts=ATTEMPTS, busy=_busy)
        withdrawn += taken
        if not seen:
            break
    await db.retrying(functools.partial(_tell_agencies, bank), attempts=ATTEMPTS, busy=_busy)
    return withdrawn


async def _pending_at(bank_id: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Instruction.select(
            Instruction.id,
            Instruction.order.as_alias("order_id"),
            Instruction.order.version.as_alias("version"),
            Instruction.order.status.as_alias("status"),
            Instruction.order.amount_fen.as_alias("amount_fen"),
            Instruction.order._.agency._.code.as_alias("agency_code"),
        )
        .where((Instruction.bank == bank_id) & (Instruction.status == "pending"))
        .order_by(Instruction.id)
        .limit(CHUNK)
        .run()
    )
    return rows


async def _withdraw(bank: dict[str, Any]) -> tuple[int, int]:
    """One chunk of the bank's pending instructions, read and taken back in this transaction:
    (how many were pending, how many this call took back)."""
    rows = await _pending_at(bank["id"])
    now = dt.datetime.now(dt.UTC)
    journal: list[dict[str, object]] = []
    taken: list[uuid.UUID] = []
    for row in rows:
        done = (
            await Instruction.update({Instruction.status: "withdrawn", Instruction.answered_at: now})
            .where((Instruction.id == row["id"]) & (Instruction.status == "pending"))
            .returning(Instruction.id)
            .run()
        )
        if not done:
            continue  # the bank accepted (or answered) it meanwhile: it stays the bank's to finish
        if row["status"] != INSTRUCTED:
            raise db.Conflict()  # read before a move of the order: read again
        order = {"id": row["order_id"], "version": row["version"], "status": INSTRUCTED}
        await _move(order, moves.target("withdraw"), now)
        journal += ledger.journal_rows(
            row["order_id"], "withdraw", row["amount_fen"], agency=row["agency_code"], bank=bank["code"], at=now
        )
        taken.append(row["order_id"])
    await ledger.post_many(journal)
    await _execute_again(taken, now)
    return len(rows), len(taken)


async def _tell_agencies(bank: dict[str, Any]) -> None:
    """One `bank.ended` event per paying agency with orders at the bank, with counts; a second run adds none."""
    await db.advisory_lock(f"payments.bank_ended:{bank['id']}")
    rows = (
        await Instruction.select(Instruction.status, Instruction.order._.agency.as_alias("agency"))
        .where((Instruction.bank == bank["id"]) & Instruction.status.is_in(["withdrawn", "accepted"]))
        .run()
    )
    counts: dict[uuid.UUID, Counter[str]] = {}
    for row in rows:
        counts.setdefault(row["agency"], Counter())[row["status"]] += 1
    if not counts:
        return
    told = (
        await AgencyEvent.select(AgencyEvent.agency, AgencyEvent.detail)
        .where((AgencyEvent.kind == "bank.ended") & AgencyEvent.agency.is_in(list(counts)))
        .run()
    )
    already = {r["agency"] for r in told if msgspec.json.decode(r["detail"]).get("bank_code") == bank["code"]}
    now = dt.datetime.now(dt.UTC)
    events = [
        effects.event_row(
            agency,
            None,
            "bank.ended",
            {"bank_code": bank["code"], "withdrawn": count["withdrawn"], "awaiting_bank": count["accepted"]},
            now,
        )
        for agency, count in counts.items()
        if agency not in already
    ]
    await effects.add_events(events)


# --- the in-flight report ---------------------------------------------------------------------


async def in_flight(code: str) -> s.BankInFlight:
    """What became of the bank's payments (province staff): see schemas.BankInFlight."""
    bank = await Bank.select(Bank.id, Bank.code, Bank.name, Bank.status).where(Bank.code == code).first().run()
    if bank is None:
        raise ApiError(404, "bank.not_found", "No cooperating bank has this code.", bank_code=code)
    rows = await Instruction.select(Instruction.status, Instruction.amount_fen).where(Instruction.bank == bank["id"]).run()
    by_status = Counter(r["status"] for r in rows)
    outstanding_fen = sum(r["amount_fen"] for r in rows if r["status"] == "accepted")
    withdrawn = (
        await Instruction.select(Instruction.order.as_alias("order_id"))
        .where((Instruction.bank == bank["id"]) & (Instruction.status == "withdrawn"))
        .run()
    )
    order_ids = list({r["order_id"] for r in withdrawn})
    rerouted = awaiting = closed = 0
    for start in range(0, len(order_ids), 1000):
        chunk = order_ids[start : start + 1000]
        elsewhere = (
            await Instruction.select(Instruction.order)
            .where(Instruction.order.is_in(chunk) & (Instruction.bank != bank["id"]))
            .run()
        )
        routed = {r["order"] for r in elsewhere}
        for order in await Order.select(Order.id, Order.status).where(Order.id.is_in(chunk)).run():
            if order["id"] in routed:
                rerouted += 1  # instructed to the holder's new bank (whatever that bank answered since)
            elif order["status"] == CANCELLED:
                closed += 1
            else:
                awaiting += 1  # accepted, or held until the new account opens
    instructions = {status: by_status.get(status, 0) for status in ("pending", "accepted", "credited", "returned", "withdrawn")}
    return s.BankInFlight(
        bank_code=bank["code"],
        bank_name=bank["name"],
        bank_status=bank["status"],
        instructions=instructions,
        orders_withdrawn=len(order_ids),
        orders_rerouted=rerouted,
        orders_awaiting_route=awaiting,
        orders_withdrawn_closed=closed,
        outstanding_with_bank=by_status.get("accepted", 0),
        outstanding_fen=outstanding_fen,
        all_settled_or_rerouted=by_status.get("pending", 0) == 0 and by_status.get("accepted", 0) == 0 and awaiting == 0,
    )

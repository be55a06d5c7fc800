"""Cooperating banks (Art. 12): the registry, a holder's change of bank, moving holders when cooperation ends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from piccolo.query import Select

from backend.cards import atomic, numbers, records, states
from backend.cards import schemas as s
from backend.cards.access import Actor, ensure
from backend.cards.records import CardRow
from backend.cards.revocations import Pending
from backend.cards.tables import Card
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Bank

STATUSES = ("active", "suspended", "ended")
# status -> statuses it may move to; "ended" -> "ended" resumes an interrupted move of holders.
NEXT_STATUS = {"active": ("suspended", "ended"), "suspended": ("active", "ended"), "ended": ("ended",)}
MOVE_BATCH = 200


class BankRow(msgspec.Struct, frozen=True, kw_only=True):
    """One org_bank row as read."""

    id: uuid.UUID
    code: str
    name: str
    status: s.BankStatus
    keeps_account_on_replacement: bool
    updated_at: dt.datetime


def bank_view(bank: BankRow) -> s.BankOut:
    return s.BankOut(
        code=bank.code, name=bank.name, status=bank.status, keeps_account_on_replacement=bank.keeps_account_on_replacement
    )


def _select(hold: bool) -> Select[Any]:
    query = Bank.select()
    if hold and not db.is_sqlite():  # SQLite's write lock already covers the whole transaction
        # FOR SHARE until commit: a status change waits for the card being placed at this bank,
        # so ending the bank never misses it when moving the holders.
        query = query.lock_rows("SHARE")
    return query


async def find(code: str, *, hold: bool = False) -> BankRow:
    row = await _select(hold).where(Bank.code == code).first().run()
    if row is None:
        raise ApiError(404, "bank.not_found", "No cooperating bank has this code.", bank_code=code)
    return BankRow(**row)


async def by_id(bank_id: uuid.UUID, *, hold: bool = False) -> BankRow:
    row = await _select(hold).where(Bank.id == bank_id).first().run()
    if row is None:  # a card's bank is never deleted (on_delete=restrict)
        raise ApiError(404, "bank.not_found", "No cooperating bank has this id.")
    return BankRow(**row)


async def active(code: str, *, hold: bool = False) -> BankRow:
    """The bank with this code, if it takes new card business (status active). Inside a write
    transaction that places a card at the bank, pass hold=True."""
    bank = await find(code, hold=hold)
    if bank.status != "active":
        raise ApiError(409, "bank.not_active", f"{bank.name} does not take new card business now.", bank_status=bank.status)
    return bank


async def default_active() -> BankRow:
    """The bank a card gets when the applicant chose none: the first active one by code."""
    row = await _select(hold=True).where(Bank.status == "active").order_by(Bank.code).first().run()
    if row is None:
        raise ApiError(409, "bank.none_active", "No cooperating bank takes new cards at the moment.")
    return BankRow(**row)


async def list_banks(status: str | None = None) -> list[s.BankOut]:
    query = Bank.select().order_by(Bank.code)
    if status:
        query = query.where(Bank.status == status)
    return [bank_view(BankRow(**r)) for r in await query.run()]


async def create(
    actor: Actor, *, code: str, name: str, keeps_account_on_replacement: bool, now: dt.datetime | int | None = None
) -> s.BankOut:
    await ensure(actor, "bank.manage")
    now = records.utc(now)

    async def attempt() -> s.BankOut:
        bank = Bank(
            code=code, name=name, status="active", keeps_account_on_replacement=keeps_account_on_replacement, updated_at=now
        )
        await Bank.insert(bank).run()
        return bank_view(await find(code))

    return await atomic.run(attempt)


def _moved_note(old: BankRow, new: BankRow, account: str) -> str:
    return f"Your bank changed from {old.name} to {new.name}; payments now go to account {numbers.mask_account(account)}."


async def _move(card: CardRow, old: BankRow, new: BankRow, actor: Actor, reason: str, now: dt.datetime) -> None:
    """Move one loaded card to `new` with a fresh account there, and tell the holder (Art. 8)."""
    account = numbers.new_account_number()  # an account number never moves between banks
    await records.cas(card, {"bank": new.id, "account": account}, now)
    await records.event(
        card, actor, action="bank_change", from_state=card.state, at=now, reason=reason, note=_moved_note(old, new, account)
    )


async def change_for_holder(
    person_id: uuid.UUID | str, actor: Actor, bank_code: str, now: dt.datetime | int | None = None
) -> CardRow:
    """The holder picks another active bank; later payments go to the new account."""
    now = records.utc(now)

    async def attempt() -> CardRow:
        card = await records.current_or_404(person_id)
        pending = Pending()
        await records.settle_lapse(card, now, pending)
        new = await active(bank_code, hold=True)
        if new.id == card.bank:
            raise ApiError(409, "bank.same", "Your card is already with this bank.")
        old = await by_id(card.bank)
        await _move(card, old, new, actor, "Changed at the holder's request.", now)
        await pending.write(now)
        return card

    return await atomic.run(attempt)


async def set_status(
    actor: Actor, code: str, status: str, successor_code: str | None = None, now: dt.datetime | int | None = None
) -> s.BankStatusOut:
    """Suspend, reactivate or end a bank. Ending moves every holder to the successor bank,
    one transaction per batch of cards; returns the bank and how many cards moved."""
    await ensure(actor, "bank.manage")
    now = records.utc(now)
    bank = await find(code)
    if status not in NEXT_STATUS[bank.status]:
        raise ApiError(
            409,
            "bank.illegal_status",
            f"A bank that is {bank.status} cannot become {status}.",
            bank_status=bank.status,
            allowed=list(NEXT_STATUS[bank.status]),
        )
    successor = None
    if status == "ended":
        if not successor_code:
            raise ApiError(422, "bank.successor_required", "Name the active bank that takes over the holders.")
        successor = await active(successor_code)
        if successor.id == bank.id:
            raise ApiError(422, "bank.successor_is_same", "A bank cannot take over its own holders.")
    elif successor_code:
        raise ApiError(422, "bank.successor_unexpected", "Only ending a cooperation names a successor bank.")
    # Commit the status first, so no new card lands at this bank while its holders are moved.
    updated = (
        await Bank.update({Bank.status: status, Bank.updated_at: now})
        .where((Bank.id == bank.id) & (Bank.status == bank.status))
        .returning(Bank.id)
        .run()
    )
    if not updated:
        raise ApiError(409, "bank.busy", "The bank's status changed meanwhile; reload and try again.")
    moved = await move_holders(bank, successor, actor, now) if successor else 0
    return s.BankStatusOut(bank=bank_view(await find(code)), moved=moved)


async def move_holders(old: BankRow, new: BankRow, actor: Actor, now: dt.datetime, batch: int = MOVE_BATCH) -> int:
    """Move every live card of `old` to `new`. Each batch commits whole; a card that changed
    under us is simply picked up again by the next batch, so none is skipped."""
    reason = f"Cooperation with {old.name} ended; your card moved to {new.name}."
    moved = 0
    for _ in range(10_000):
        ids = (
            await Card.select(Card.id)
            .where((Card.bank == old.id) & Card.state.not_in(list(states.TERMINAL)))
            .order_by(Card.id)
            .limit(batch)
            .run()
        )
        if not ids:
            return moved

        async def attempt() -> int:
            done = 0
            for row in ids:  # noqa: B023 - attempt() runs within this iteration of the loop
                card = await records.get(row["id"])
                if card.bank != old.id or card.state in states.TERMINAL:
                    continue
                await _move(card, old, new, actor, reason, now)
                done += 1
            return done

        moved += await atomic.run(attempt)
    raise ApiError(409, "bank.busy", "Holders keep changing; run the status change again to finish the move.")

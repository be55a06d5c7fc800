"""Cooperating banks (Art. 12): the registry, a holder's change of bank, moving holders when cooperation ends, the migration report."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

import msgspec
from piccolo.query import Select

from backend.cards import accounts, atomic, records, states
from backend.cards import schemas as s
from backend.cards.access import Actor, ensure
from backend.cards.records import CardRow
from backend.cards.revocations import Pending
from backend.cards.tables import BankAccount, Card
from backend.inbox import services as inbox
from backend.jobs import services as jobs
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
        id=bank.id,
        code=bank.code,
        name=bank.name,
        status=bank.status,
        keeps_account_on_replacement=bank.keeps_account_on_replacement,
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


async def change_for_holder(
    person_id: uuid.UUID | str, actor: Actor, bank_code: str, now: dt.datetime | int | None = None
) -> CardRow:
    """The holder picks another active bank: that bank is asked to open an account, and the card keeps
    paying into its current account until it does (accounts.answer then moves the card). A change
    asked again replaces the one still waiting; asking for the bank already waited on changes nothing."""
    now = records.utc(now)

    async def attempt() -> CardRow:
        card = await records.current_or_404(person_id)
        pending = Pending()
        await records.settle_lapse(card, now, pending)
        new = await active(bank_code, hold=True)
        if new.id == card.bank:
            raise ApiError(409, "bank.same", "Your card is already with this bank.")
        waiting = await accounts.pending_of(card.id)
        if waiting is None or waiting.purpose != "change" or waiting.bank != new.id:
            if waiting is not None:
                await accounts.supersede(waiting, now)
            await accounts.request(card, new.id, "change", now, from_bank=card.bank)
        await pending.write(now)
        return card

    return await atomic.run(attempt)


async def set_status(
    actor: Actor, code: str, status: str, successor_code: str | None = None, now: dt.datetime | int | None = None
) -> s.BankStatusOut:
    """Suspend, reactivate or end a bank. Suspending tells its holders; ending moves every holder (to the
    bank of the change they asked for, else the successor), one transaction per batch of cards, and then
    asks payments to re-route what the bank had not accepted. Returns the bank and how many cards moved."""
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
    moved = 0
    if successor:
        moved = await move_holders(bank, successor, actor, now)
        await _after_move(bank, now)
    elif status == "suspended":
        await tell_suspended(bank, now)
    return s.BankStatusOut(bank=bank_view(await find(code)), moved=moved)


async def _live(bank: BankRow, after: uuid.UUID | None, batch: int) -> list[dict[str, Any]]:
    """A batch of the bank's live cards (id, person) by id, after `after`."""
    query = Card.select(Card.id, Card.person).where((Card.bank == bank.id) & Card.state.not_in(list(states.TERMINAL)))
    if after is not None:
        query = query.where(Card.id > after)
    rows: list[dict[str, Any]] = await query.order_by(Card.id).limit(batch).run()
    return rows


async def tell_suspended(bank: BankRow, now: dt.datetime, batch: int = MOVE_BATCH) -> int:
    """Tell every holder of the bank that it takes no new card business (they may choose another
    bank), a batch of holders per transaction; returns how many were told."""
    told = 0
    after: uuid.UUID | None = None
    for _ in range(1_000_000):
        rows = await _live(bank, after, batch)
        if not rows:
            break
        async with db.transaction():
            for row in rows:
                await inbox.tell(row["person"], "bank.suspended", {"bank_name": bank.name}, now=now)
        told += len(rows)
        after = rows[-1]["id"]
    return told


async def move_holders(old: BankRow, new: BankRow, actor: Actor, now: dt.datetime, batch: int = MOVE_BATCH) -> int:
    """Move every live card of `old` (ended): to the bank of the change its holder asked for when that
    bank is active (how=choice), else to `new`, the successor (how=default); the account is empty until
    the bank it moved to opens one. Each batch commits whole; a card that changed under us is simply
    picked up again by the next batch, so none is skipped."""
    moved = 0
    for _ in range(10_000):
        ids = [r["id"] for r in await _live(old, None, batch)]
        if not ids:
            return moved

        async def attempt() -> int:
            done = 0
            for card_id in ids:  # noqa: B023 - attempt() runs within this iteration of the loop
                card = await records.get(card_id)
                if card.bank != old.id or card.state in states.TERMINAL:
                    continue
                await _migrate(card, old, new, actor, now)
                done += 1
            return done

        moved += await atomic.run(attempt)
    raise ApiError(409, "bank.busy", "Holders keep changing; run the status change again to finish the move.")


async def _migrate(card: CardRow, old: BankRow, successor: BankRow, actor: Actor, now: dt.datetime) -> None:
    """Move one loaded card away from an ended bank, with a `migration` request at its new bank."""
    waiting = await accounts.pending_of(card.id)
    chosen = None
    if waiting is not None and waiting.purpose == "change":
        target = await by_id(waiting.bank, hold=True)
        chosen = target if target.status == "active" else None
    if waiting is not None and chosen is not None:
        # The holder's own choice stands: their change becomes the migration's request.
        await (
            BankAccount.update({BankAccount.purpose: "migration", BankAccount.how: "choice", BankAccount.from_bank: old.id})
            .where(BankAccount.id == waiting.id)
            .run()
        )
        to, how = chosen, "choice"
    else:
        if waiting is not None:
            await accounts.supersede(waiting, now)
        to, how = successor, "default"
        await accounts.request(card, to.id, "migration", now, from_bank=old.id, how=how)
    await records.cas(card, {"bank": to.id, "account": ""}, now)
    why = "the bank you chose" if how == "choice" else "the successor bank"
    note = f"Cooperation with {old.name} ended; your card moved to {to.name} ({why}), which is opening your account."
    await records.event(card, actor, action="bank_change", from_state=card.state, at=now, note=note)
    await inbox.tell(card.person, "bank.moved", {"bank_name": to.name, "from_bank": old.name, "how": how}, now=now)


async def _after_move(bank: BankRow, now: dt.datetime) -> None:
    """Once every holder has moved: requests still waiting at the ended bank (changes asked by holders
    of other banks) are withdrawn and their holders told, and payments are asked to re-route (once:
    the job's key keeps a second one out while the first waits; its handler is idempotent anyway)."""

    async def attempt() -> None:
        rows = await BankAccount.select().where((BankAccount.bank == bank.id) & (BankAccount.status == "pending")).run()
        for row in rows:
            waiting = accounts.RequestRow(**row)
            await accounts.supersede(waiting, now)
            params = {"bank_name": bank.name, "reason": "bank_ended", "purpose": waiting.purpose}
            await inbox.tell(waiting.person, "bank.account_refused", params, now=now)
        await jobs.enqueue("cards.bank_ended", {"bank_id": str(bank.id)}, key=f"cards.bank_ended:{bank.id}", now=now)

    await atomic.run(attempt)


async def migration_report(code: str) -> s.MigrationReport:
    """Where every holder of an ended bank went: each holder moved away by migration once (the latest
    of their migration requests from this bank counts: a replaced card carries its request over)."""
    bank = await find(code)
    if bank.status != "ended":
        raise ApiError(
            409, "bank.not_ended", "Only a bank whose cooperation ended has a migration report.", bank_status=bank.status
        )
    rows = (
        await BankAccount.select(
            BankAccount.person,
            BankAccount.status,
            BankAccount.how,
            BankAccount.requested_at,
            BankAccount.bank.code.as_alias("bank_code"),
            BankAccount.bank.name.as_alias("bank_name"),
        )
        .where((BankAccount.from_bank == bank.id) & (BankAccount.purpose == "migration"))
        .order_by(BankAccount.requested_at)
        .run()
    )
    latest: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:  # oldest first: the last one a holder has wins (a superseded one loses a tie)
        seen = latest.get(row["person"])
        if seen is None or row["requested_at"] > seen["requested_at"] or seen["status"] == "superseded":
            latest[row["person"]] = row
    count = Counter(r["status"] for r in latest.values())
    how = Counter(r["how"] for r in latest.values())
    targets = Counter((r["bank_code"], r["bank_name"]) for r in latest.values())
    live = await Card.count().where((Card.bank == bank.id) & Card.state.not_in(list(states.TERMINAL))).run()
    holders = len(latest)
    return s.MigrationReport(
        bank_code=bank.code,
        bank_name=bank.name,
        status=bank.status,
        holders=holders,
        by_choice=how["choice"],
        by_default=how["default"],
        accounts_opened=count["opened"],
        accounts_pending=count["pending"],
        accounts_refused=count["refused"],
        accounts_superseded=count["superseded"],
        targets=[s.MigrationTarget(bank_code=c, bank_name=n, holders=k) for (c, n), k in sorted(targets.items())],
        live_cards_at_bank=live,
        all_accounted=live == 0 and holders == how["choice"] + how["default"],
    )

"""Accounts come from the bank: requests to open a card's account, the bank's pull of them and its answers."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.audit import chain
from backend.audit import services as audit
from backend.cards import atomic, numbers, records, states
from backend.cards import schemas as s
from backend.cards.access import Actor
from backend.cards.records import CardRow
from backend.cards.tables import BankAccount, Card
from backend.events import services as events
from backend.identity import services as identity
from backend.identity.tables import Person
from backend.inbox import services as inbox
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Bank

log = logging.getLogger("yikatong.cards")
PULL_MAX = 500
# Why a bank may read the holder's name, document and card number: it opens the card's account (Art. 12).
BASIS_REF = "《广东省社会保障卡一卡通管理办法》第十二条"
PURPOSE = "Open the card's bank account"
READ_FIELDS = ["person.name", "person.doc_type", "person.id_number", "card.number"]


class RequestRow(msgspec.Struct, kw_only=True):
    """One cards_bank_account row as read."""

    id: uuid.UUID
    card: uuid.UUID
    person: uuid.UUID
    bank: uuid.UUID
    purpose: s.AccountPurpose
    status: s.AccountRequestStatus
    pending_card: uuid.UUID | None
    account: str
    refuse_reason: str
    from_bank: uuid.UUID | None
    how: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None


async def load(request_id: uuid.UUID) -> RequestRow | None:
    row = await BankAccount.select().where(BankAccount.id == request_id).first().run()
    return RequestRow(**row) if row else None


async def pending_of(card_id: uuid.UUID) -> RequestRow | None:
    """The card's one open request, if any."""
    row = await BankAccount.select().where(BankAccount.pending_card == card_id).first().run()
    return RequestRow(**row) if row else None


async def pending_changes(card_ids: list[uuid.UUID]) -> dict[uuid.UUID, s.BankChange]:
    """The changes of bank these cards' holders asked for that wait for the new bank, by card."""
    if not card_ids:
        return {}
    rows = (
        await BankAccount.select(
            BankAccount.pending_card,
            BankAccount.requested_at,
            BankAccount.bank.code.as_alias("bank_code"),
            BankAccount.bank.name.as_alias("bank_name"),
        )
        .where(BankAccount.pending_card.is_in(card_ids) & (BankAccount.purpose == "change"))
        .run()
    )
    return {
        r["pending_card"]: s.BankChange(bank_code=r["bank_code"], bank_name=r["bank_name"], requested_at=r["requested_at"])
        for r in rows
    }


async def request(
    card: CardRow,
    bank_id: uuid.UUID,
    purpose: str,
    now: dt.datetime,
    *,
    from_bank: uuid.UUID | None = None,
    how: str = "",
) -> None:
    """Ask `bank_id` to open the card's account. Call inside the transaction that issues, replaces or
    moves the card; a card has one open request at a time (the unique pending_card), so supersede first."""
    await BankAccount.insert(
        BankAccount(
            id=uuid.uuid4(),
            card=card.id,
            person=card.person,
            bank=bank_id,
            purpose=purpose,
            status="pending",
            pending_card=card.id,
            account="",
            refuse_reason="",
            from_bank=from_bank,
            how=how,
            requested_at=now,
            answered_at=None,
        )
    ).run()


async def supersede(pending: RequestRow, now: dt.datetime) -> None:
    """Close an open request without an answer (a later request replaces it); inside the caller's transaction."""
    done = (
        await BankAccount.update({BankAccount.status: "superseded", BankAccount.pending_card: None, BankAccount.answered_at: now})
        .where((BankAccount.id == pending.id) & (BankAccount.status == "pending"))
        .returning(BankAccount.id)
        .run()
    )
    if not done:  # the bank answered meanwhile: run the whole change again on what it answered
        raise atomic.Conflict()


async def supersede_for(card_id: uuid.UUID, now: dt.datetime) -> RequestRow | None:
    """Supersede the card's open request, if any, and return it (inside the caller's transaction)."""
    pending = await pending_of(card_id)
    if pending is not None:
        await supersede(pending, now)
    return pending


async def for_replacement(old: CardRow, new: CardRow, *, keeps: bool, now: dt.datetime) -> None:
    """The replacement card's account: an open request of the old card carries over to the new card
    (the bank opens the account for the card the holder now has); otherwise a bank that does not keep
    the account on replacement is asked for a new one. Inside the replacement's transaction."""
    pending = await supersede_for(old.id, now)
    if pending is not None:
        await request(new, pending.bank, pending.purpose, now, from_bank=pending.from_bank, how=pending.how)
    elif not keeps:
        await request(new, new.bank, "new_card", now)


# --- the bank's side ----------------------------------------------------------------------


class BankSide(msgspec.Struct, frozen=True, kw_only=True):
    """The answering bank, as the answer needs it (banks.py builds on this module, not the reverse)."""

    id: uuid.UUID
    code: str
    name: str
    status: str


async def _bank(bank_id: uuid.UUID, *, hold: bool = False) -> BankSide:
    query = Bank.select(Bank.id, Bank.code, Bank.name, Bank.status).where(Bank.id == bank_id)
    if hold and not db.is_sqlite():  # as banks.py: ending the bank waits for this answer's commit
        query = query.lock_rows("SHARE")
    row = await query.first().run()
    if row is None:
        raise ApiError(404, "bank.not_found", "No cooperating bank has this id.")
    return BankSide(**row)


async def pull(
    keyring: Keyring,
    bank_id: uuid.UUID,
    client_id: str,
    *,
    status: str,
    limit: int,
    after: uuid.UUID | None = None,
    card_number: str | None = None,
) -> s.AccountRequestPage:
    """The bank's requests in this status, oldest first (after the request `after`, for the next page),
    with what it needs to open the account: the holder's name and document in full and the card number.
    Every item shown goes on its holder's access record, in the transaction of the read."""
    bank = await _bank(bank_id)
    async with db.transaction():
        query = BankAccount.select(
            *BankAccount.all_columns(),
            BankAccount.card.number.as_alias("card_number"),
            BankAccount.card.account.as_alias("card_account"),
        ).where((BankAccount.bank == bank_id) & (BankAccount.status == status))
        if card_number is not None:  # a bank's counter looking up one customer's request
            query = query.where(BankAccount.card.number == card_number)
        if after is not None:
            seen = await BankAccount.select(BankAccount.requested_at).where(BankAccount.id == after).first().run()
            if seen is not None:
                moment = seen["requested_at"]
                query = query.where(
                    (BankAccount.requested_at > moment) | ((BankAccount.requested_at == moment) & (BankAccount.id > after))
                )
        rows = await query.order_by(BankAccount.requested_at).order_by(BankAccount.id).limit(limit).run()
        people = await _people({r["person"] for r in rows})
        who = audit.Actor("bank", client_id, str(bank_id), bank.name)
        items = []
        entries = []
        for row in rows:
            try:
                items.append(_item(keyring, bank, row, people[row["person"]]))
            except ValueError:
                # The identity number does not decrypt under our keys (a key lost or a row restored from
                # elsewhere): nothing is shown or recorded for it, the others still go; staff must see the log.
                log.error("account request %s: the holder's identity number cannot be decrypted; left out", row["id"])
                continue
            entries.append(
                audit.entry(
                    who,
                    person_id=row["person"],
                    action="bank_account.read",
                    fields=READ_FIELDS,
                    purpose=PURPOSE,
                    basis_kind="statute",
                    basis_ref=BASIS_REF,
                )
            )
        if entries:
            await chain.append_many(entries)
    return s.AccountRequestPage(items=items, next_after=rows[-1]["id"] if len(rows) == limit else None)


async def _people(ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = await Person.select(Person.id, Person.name, Person.doc_type, Person.id_cipher).where(Person.id.is_in(list(ids))).run()
    return {r["id"]: r for r in rows}


def _item(keyring: Keyring, bank: BankSide, row: dict[str, Any], person: dict[str, Any]) -> s.AccountRequestOut:
    previous = row["card_account"] if row["status"] == "pending" else ""
    return s.AccountRequestOut(
        id=row["id"],
        bank_code=bank.code,
        purpose=row["purpose"],
        status=row["status"],
        card_number=row["card_number"],
        holder_name=person["name"],
        doc_type=person["doc_type"],
        id_number=identity.reveal_number(keyring, person),
        previous_account=numbers.mask_account(previous) if previous else None,
        how=row["how"],
        requested_at=row["requested_at"],
        answered_at=row["answered_at"],
        account=row["account"] or None,
        refuse_reason=row["refuse_reason"] or None,
    )


async def answer(
    bank_id: uuid.UUID, client_id: str, request_id: uuid.UUID, data: s.AccountAnswer, now: dt.datetime | int | None = None
) -> s.AccountAnswerOut:
    """The bank's answer to one request. The same answer again changes nothing (duplicate); another
    answer after one is refused. Opened: the card gets the account (and, for a change, moves to
    this bank), the holder is told and orders waiting for the account go again, in one transaction."""
    if data.outcome == "opened" and not data.account:
        raise ApiError(422, "bank_account.account_required", "Say which account number the bank opened.")
    if data.outcome == "refused" and not data.reason_code:
        raise ApiError(422, "bank_account.reason_required", "Say why the bank refused to open the account.")
    now = records.utc(now)

    async def attempt() -> s.AccountAnswerOut:
        req = await load(request_id)
        if req is None or req.bank != bank_id:  # another bank's request is none of this bank's business
            raise ApiError(404, "bank_account.not_found", "Your bank has no account request with this id.")
        if req.status == "superseded":
            raise ApiError(409, "bank_account.superseded", "This request was replaced by a later one; pull the pending requests.")
        if req.status != "pending":
            same = req.account == data.account if data.outcome == "opened" else req.refuse_reason == data.reason_code
            if req.status == data.outcome and same:
                return s.AccountAnswerOut(request_id=req.id, status=req.status, duplicate=True)
            raise ApiError(
                409,
                "bank_account.answer_conflict",
                f"This request was already answered {req.status}; a different answer is refused.",
                request_status=req.status,
            )
        bank = await _bank(bank_id, hold=True)
        actor = Actor(kind="bank", id=client_id, channel="system")
        if data.outcome == "opened":
            await _open(req, bank, str(data.account), actor, now)
        else:
            await _refuse(req, bank, str(data.reason_code), now)
        return s.AccountAnswerOut(request_id=req.id, status=data.outcome, duplicate=False)

    return await atomic.run(attempt)


async def _close(req: RequestRow, values: dict[Column | str, Any], now: dt.datetime) -> None:
    done = (
        await BankAccount.update({**values, "pending_card": None, "answered_at": now})
        .where((BankAccount.id == req.id) & (BankAccount.status == "pending"))
        .returning(BankAccount.id)
        .run()
    )
    if not done:  # answered or superseded meanwhile: run again and answer from what is there now
        raise atomic.Conflict()


async def _open(req: RequestRow, bank: BankSide, account: str, actor: Actor, now: dt.datetime) -> None:
    if bank.status == "ended":  # its requests are being superseded by the move of its holders
        raise ApiError(409, "bank_account.superseded", "Your bank's cooperation has ended; its requests were withdrawn.")
    # Two answers with one number, for two cards, must not both pass the check below.
    await db.advisory_lock(f"cards-bank-account:{bank.id}:{account}")
    taken = (
        await Card.exists()
        .where((Card.bank == bank.id) & (Card.account == account) & Card.active_person.is_not_null() & (Card.id != req.card))
        .run()
    )
    if taken:
        raise ApiError(409, "bank_account.number_in_use", "This account number already belongs to another card at your bank.")
    await _close(req, {"status": "opened", "account": account}, now)
    card = await records.get(req.card)
    if card.state in states.TERMINAL:  # cancelled or replaced since: nothing more to pay into
        return
    old_bank = await _bank(card.bank)
    moved = old_bank.id != bank.id
    masked = numbers.mask_account(account)
    await records.cas(card, {"bank": bank.id, "account": account}, now)
    # For agencies' subscriptions (docs/webhooks.md): which bank, never the account number.
    data = {"card_id": str(card.id), "bank_id": str(bank.id), "status": "opened", "bank_changed": moved}
    await events.record("card.account_changed", card.person, data, at=now)
    if moved:
        note = f"Your bank changed from {old_bank.name} to {bank.name}; payments now go to account {masked}."
        await records.event(card, actor, action="bank_change", from_state=card.state, at=now, note=note)
    else:
        note = f"{bank.name} opened your card's account {masked}; payments go there."
        await records.event(card, actor, action="account_opened", from_state=card.state, at=now, note=note)
    await inbox.tell(
        card.person, "bank.account_opened", {"bank_name": bank.name, "account": masked, "purpose": req.purpose}, now=now
    )
    # Orders held for want of this account go again (payments/rerouting.on_account_opened).
    await jobs.enqueue("cards.account_opened", {"person_id": str(card.person)}, now=now)


async def _refuse(req: RequestRow, bank: BankSide, reason: str, now: dt.datetime) -> None:
    """A refused change leaves the card where it was; a refused new card or migration leaves it
    without an account (payments stay held, staff see it in the migration report)."""
    await _close(req, {"status": "refused", "refuse_reason": reason}, now)
    params = {"bank_name": bank.name, "reason": reason, "purpose": req.purpose}
    await inbox.tell(req.person, "bank.account_refused", params, now=now)

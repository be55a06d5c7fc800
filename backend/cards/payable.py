"""Where a payment to a person can go now: their live card, its state, its bank and the account the bank opened."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from backend.cards import states
from backend.cards.tables import Card
from backend.lib import db


@dataclass(frozen=True)
class Payable:
    """A person's live card (neither replaced nor cancelled) as payments see it at execution time."""

    person_id: uuid.UUID
    card_id: uuid.UUID
    state: str  # effective: a temporary loss report that ran out counts as active
    bank_id: uuid.UUID
    bank_code: str
    bank_name: str
    bank_status: str  # active | suspended | ended
    account: str  # "" until the bank has opened it (the server never makes one up)
    holder_name: str  # the name of record, for the bank's name check


async def payable_cards(person_ids: list[uuid.UUID], now: dt.datetime | None = None) -> dict[uuid.UUID, Payable]:
    """The live card of each of these people that has one, in one query (inside the caller's transaction
    when there is one). A person without a live card is left out."""
    if not person_ids:
        return {}
    now = now or dt.datetime.now(dt.UTC)
    query = Card.select(
        Card.id,
        Card.active_person,
        Card.state,
        Card.lapse_at,
        Card.account,
        Card.bank.id.as_alias("bank_id"),
        Card.bank.code.as_alias("bank_code"),
        Card.bank.name.as_alias("bank_name"),
        Card.bank.status.as_alias("bank_status"),
        Card.person.name.as_alias("holder_name"),
    ).where(Card.active_person.is_in(list(dict.fromkeys(person_ids))))
    if db.in_transaction() and not db.is_sqlite():
        # FOR SHARE until the caller commits: moving a card to another bank (a bank's cooperation
        # ending) waits for an instruction made from this read, so the bank's end sweeps it up
        # afterwards; it never lands at an ended bank unseen. (SQLite: one writer at a time already.)
        query = query.lock_rows("SHARE", of=(Card,))
    rows = await query.run()
    return {
        row["active_person"]: Payable(
            person_id=row["active_person"],
            card_id=row["id"],
            state=states.effective_state(row["state"], row["lapse_at"], now),
            bank_id=row["bank_id"],
            bank_code=row["bank_code"],
            bank_name=row["bank_name"],
            bank_status=row["bank_status"],
            account=row["account"] or "",
            holder_name=row["holder_name"],
        )
        for row in rows
    }

"""Ledger activity written as the moves write it (ledger.post in the move's transaction), for reconciliation tests.

Each test gets a bank and a paying agency of its own and a business day of its own in the past, so its
figures are its own on the shared test databases.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field

from backend.payments.vocab import CST
from tests.payments.helpers import Payments


def past_day(lo: int = 10, hi: int = 300) -> dt.date:
    """A day of this test's own, lo to hi days ago (province time)."""
    return dt.datetime.now(CST).date() - dt.timedelta(days=lo + secrets.randbelow(hi - lo))


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), CST).astimezone(dt.UTC)


@dataclass
class Books:
    """A fresh bank and paying agency, and a person to pay, on the World's database."""

    world: Payments
    bank_id: uuid.UUID
    bank: str
    agency_id: uuid.UUID
    agency: str
    person_id: uuid.UUID
    orders: list[uuid.UUID] = field(default_factory=list)

    async def order(self, amount: int, status: str, *, moves: list[tuple[str, dt.datetime]], bank: bool = True) -> uuid.UUID:
        """An order in `status` with the journals of these postings (posting name, when), as its moves write them."""
        from backend.lib import db
        from backend.payments import ledger
        from backend.payments.tables import Order

        order_id = uuid.uuid4()
        first = moves[0][1] if moves else dt.datetime.now(dt.UTC)

        async def write() -> None:
            async with db.transaction():
                row = Order(
                    id=order_id,
                    agency=self.agency_id,
                    client_id="test",
                    idempotency_key=f"k-{secrets.token_hex(8)}",
                    content_hash="0" * 64,
                    person=self.person_id,
                    payment_type="pension",
                    amount_fen=amount,
                    legal_basis="《社会保险法》第十五条",
                    status=status,
                    bank=self.bank_id if bank else None,
                    version=1 + len(moves),
                    created_at=first,
                    updated_at=first,
                )
                await row.save().run()
                for posting, at in moves:
                    await ledger.post(order_id, posting, amount, agency=self.agency, bank=self.bank, at=at)

        await self.world.call(write)
        self.orders.append(order_id)
        return order_id


async def books(world: Payments) -> Books:
    from backend.identity.tables import Person
    from backend.org.tables import Agency, Bank

    now = dt.datetime.now(dt.UTC)
    bank = Bank(code=f"TB{secrets.token_hex(4).upper()}", name="Test bank", status="active", updated_at=now)
    agency = Agency(code=f"T-PAY-{secrets.token_hex(4).upper()}", name="Test paying agency", kind="hrss")
    person = Person(doc_type="resident_id", id_cipher=b"-", id_blind=secrets.token_hex(32), name="测试", created_at=now)
    for row in (bank, agency, person):
        await world.call(row.save().run)
    return Books(world, bank.id, bank.code, agency.id, agency.code, person.id)


async def delete_lines(world: Payments, line_ids: list[uuid.UUID]) -> None:
    from backend.payments.tables import LedgerEntry

    await world.call(LedgerEntry.delete().where(LedgerEntry.id.is_in(line_ids)).run)


async def stray_line(world: Payments, books: Books, order_id: uuid.UUID, amount: int, day: dt.date) -> uuid.UUID:
    """One ledger line with no counterpart: a journal that does not balance, as a hand edit would leave."""
    from backend.lib import db
    from backend.payments.tables import LedgerEntry

    line = uuid.uuid4()
    row = {
        "id": line,
        "journal": uuid.uuid4(),
        "order": order_id,
        "kind": "accept",
        "account": "orders:pending",
        "amount_fen": amount,
        "agency_code": books.agency,
        "bank_code": "",
        "day": day,
        "at": noon(day),
    }
    await world.call(db.insert_rows, LedgerEntry, [row])
    return line

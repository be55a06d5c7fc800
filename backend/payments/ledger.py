"""The double-entry ledger: every move of an order posts one balanced journal, in the move's own transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.lib import db
from backend.payments.moves import POSTINGS
from backend.payments.tables import LedgerEntry
from backend.payments.vocab import CST


def business_day(at: dt.datetime) -> dt.date:
    return at.astimezone(CST).date()


def account_name(template: str, *, agency: str, bank: str = "") -> str:
    if "{bank}" in template and not bank:
        raise ValueError(f"posting to {template} needs a bank code")
    return template.format(agency=agency, bank=bank)


def journal_rows(
    order_id: uuid.UUID, posting: str, amount_fen: int, *, agency: str, bank: str = "", at: dt.datetime
) -> list[dict[str, object]]:
    """The two lines of one posting (POSTINGS[posting]): the amount leaves one account and enters the other."""
    source, dest = POSTINGS[posting]
    if amount_fen <= 0:
        raise ValueError("a posting moves a positive amount")
    journal = uuid.uuid4()
    day = business_day(at)
    kind = posting.split("_")[0]  # cancel_held / cancel_pending are both "cancel"
    common = {"journal": journal, "order": order_id, "kind": kind, "agency_code": agency, "bank_code": bank, "day": day, "at": at}
    return [
        {"id": uuid.uuid4(), **common, "account": account_name(dest, agency=agency, bank=bank), "amount_fen": amount_fen},
        {"id": uuid.uuid4(), **common, "account": account_name(source, agency=agency, bank=bank), "amount_fen": -amount_fen},
    ]


async def post(order_id: uuid.UUID, posting: str, amount_fen: int, *, agency: str, bank: str = "", at: dt.datetime) -> None:
    """Write one balanced journal. Call it inside the transaction of the order's move."""
    await db.insert_rows(LedgerEntry, journal_rows(order_id, posting, amount_fen, agency=agency, bank=bank, at=at))


async def post_many(rows: list[dict[str, object]]) -> None:
    """Write many journals' lines (from journal_rows) in one statement, inside the caller's transaction."""
    if rows:
        await db.insert_rows(LedgerEntry, rows)

"""The holder's payments: what agencies paid (or are paying) them, from whom, on what basis, to which account."""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.query import Select

from backend.identity import services as identity
from backend.lib.errors import ApiError
from backend.payments import effects
from backend.payments.schemas import MyPayment, MyPaymentPage
from backend.payments.tables import Order


def _query() -> Select[Any]:
    return Order.select(
        Order.id,
        Order.payment_type,
        Order.amount_fen,
        Order.legal_basis,
        Order.purpose,
        Order.status,
        Order.hold_reason,
        Order.account,
        Order.submitted_account,
        Order.created_at,
        Order.credited_at,
        Order.agency.name.as_alias("payer"),
        Order.bank.name.as_alias("bank_name"),
    )


def rerouted(submitted_account: str, account: str) -> bool:
    """Paid (or sent) to another account than the card had when the agency submitted: the holder was told."""
    return bool(submitted_account) and bool(account) and account != submitted_account


def _payment(row: dict[str, Any]) -> MyPayment:
    account = row["account"] or ""
    return MyPayment(
        id=row["id"],
        payer=row["payer"],
        payment_type=row["payment_type"],
        amount_fen=row["amount_fen"],
        legal_basis=row["legal_basis"],
        purpose=row["purpose"] or "",
        status=row["status"],
        hold_reason=row["hold_reason"] or None,
        bank_name=row["bank_name"] if account else None,
        account=effects.mask(account) if account else None,
        rerouted=rerouted(row["submitted_account"] or "", account),
        created_at=row["created_at"],
        credited_at=row["credited_at"],
    )


async def page(person_id: uuid.UUID | str, *, limit: int, before: uuid.UUID | None) -> MyPaymentPage:
    """The holder's payments, newest first, across every person record merged into theirs. `before` is the
    id of the last payment already seen (from `next_before`)."""
    people = await identity.person_ids(person_id)
    query = _query().where(Order.person.is_in(people))
    if before is not None:
        mark = await Order.select(Order.created_at).where((Order.id == before) & Order.person.is_in(people)).first().run()
        if mark is None:
            return MyPaymentPage(items=[], next_before=None)
        at = mark["created_at"]
        query = query.where((Order.created_at < at) | ((Order.created_at == at) & (Order.id < before)))
    rows = await query.order_by(Order.created_at, Order.id, ascending=False).limit(limit + 1).run()
    more = len(rows) > limit
    items = [_payment(row) for row in rows[:limit]]
    return MyPaymentPage(items=items, next_before=str(items[-1].id) if more and items else None)


async def one(person_id: uuid.UUID | str, order_id: uuid.UUID) -> MyPayment:
    """One of the holder's payments; 404 payment.not_found for any other."""
    people = await identity.person_ids(person_id)
    row = await _query().where((Order.id == order_id) & Order.person.is_in(people)).first().run()
    if row is None:
        raise ApiError(404, "payment.not_found", "You have no payment with this id.")
    return _payment(row)

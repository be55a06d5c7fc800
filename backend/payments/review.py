"""Province staff's reads of payment orders: each holder whose payment a member of staff sees goes on their access record."""

from __future__ import annotations

import uuid

from backend.audit import chain
from backend.audit import services as audit
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.payments import schemas as s
from backend.payments import views

PURPOSE = "Payment order review"
BASIS = "Regulation Art. 8: payments through the card"
DETAIL_FIELDS = ["name", "id_number_masked", "payment", "bank_account_masked", "instructions"]
LIST_FIELDS = ["name", "id_number_masked", "payment"]


async def order_detail(keyring: Keyring, principal: Principal, order_id: uuid.UUID) -> s.OrderDetail:
    """The order with its instructions and ledger, recorded on the holder's access record."""
    detail, person_id = await views.order_detail(keyring, order_id)
    await audit.record(
        await audit.actor_of(principal),
        person_id=person_id,
        action="payment.review",
        fields=DETAIL_FIELDS,
        purpose=PURPOSE,
        basis_kind="official_duty",
        basis_ref=BASIS,
    )
    return detail


async def record_list_read(principal: Principal, people: list[uuid.UUID]) -> None:
    """A page of orders shows each payee's masked name and number: one entry per person on it,
    appended together (a page of holds can name a thousand people)."""
    if not people:
        return
    actor = await audit.actor_of(principal)
    await chain.append_many(
        [
            audit.entry(
                actor,
                person_id=person_id,
                action="payment.review_list",
                fields=LIST_FIELDS,
                purpose=PURPOSE,
                basis_kind="official_duty",
                basis_ref=BASIS,
            )
            for person_id in people
        ]
    )

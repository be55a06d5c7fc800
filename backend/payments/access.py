"""Who may pay what: the paying agency behind a payer credential, the payment types its kind allows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend.lib.auth import PAYER, Principal
from backend.lib.errors import ApiError
from backend.org.tables import Agency
from backend.payments.vocab import PAYER_TYPES


@dataclass(frozen=True, slots=True)
class Payer:
    """The paying agency a `payer` client acts for, and the client itself."""

    agency_id: uuid.UUID
    code: str
    name: str
    kind: str
    client_id: str

    def may_pay(self, payment_type: str) -> bool:
        return payment_type in PAYER_TYPES.get(self.kind, frozenset())


async def payer_of(principal: Principal) -> Payer:
    """The agency of a signed-in payer client (its org). 403 if the credential names no agency."""
    if principal.role != PAYER or not principal.org_id:
        raise ApiError(403, "auth.wrong_role", "Only a paying agency's payment system may do this.")
    row = await Agency.select(Agency.id, Agency.code, Agency.name, Agency.kind).where(Agency.id == principal.org_id).first().run()
    if row is None:
        raise ApiError(403, "auth.not_permitted", "This credential's agency is not registered.")
    return Payer(row["id"], row["code"], row["name"], row["kind"], principal.id)


def type_not_allowed(payer: Payer, payment_type: str) -> ApiError:
    return ApiError(
        403,
        "payment.type_not_allowed",
        f"An agency of kind {payer.kind!r} may not pay {payment_type!r} (docs/payments.md, 'Paying agencies').",
        payment_type=payment_type,
    )


def check_type(payer: Payer, payment_type: str) -> None:
    """403 payment.type_not_allowed unless the agency's kind may pay this type."""
    if not payer.may_pay(payment_type):
        raise type_not_allowed(payer, payment_type)

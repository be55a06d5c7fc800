"""The holder's payments: what was paid to them, from whom, on what basis, to which account (never cached)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import error
from backend.payments import received
from backend.payments.schemas import MyPayment, MyPaymentPage

TAGS = ["payments: holders"]


def _person(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal: Principal = request.user
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(principal.person_id)


@get(
    "/api/v1/me/payments",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My payments",
    description="Payments agencies made (or are making) to the signed-in holder, newest first: the paying agency, "
    "the type, amount and legal basis, the status (held with the reason), the bank and the masked account it went "
    "to, and whether it went to another account than the card had when the agency submitted it (`rerouted`: the "
    "holder was told). Pass `next_before` back as `before` for older ones.",
)
async def my_payments(
    request: Request[Any, Any, Any],
    before: Annotated[uuid.UUID | None, Parameter(description="The id of the last payment already seen.")] = None,
    limit: Annotated[int, Parameter(ge=1, le=100, description="Page size.")] = 20,
) -> MyPaymentPage:
    return await received.page(_person(request), limit=limit, before=before)


@get(
    "/api/v1/me/payments/{payment_id:uuid}",
    guards=[proven_citizen],
    tags=TAGS,
    responses={404: error("`payment.not_found`: you have no payment with this id.")},
    summary="One of my payments",
    description="One payment to the signed-in holder, as in the list.",
)
async def my_payment(request: Request[Any, Any, Any], payment_id: uuid.UUID) -> MyPayment:
    return await received.one(_person(request), payment_id)


ROUTES: list[ControllerRouterHandler] = [my_payments, my_payment]

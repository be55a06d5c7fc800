"""Province staff: a bank's payments in flight, and what became of them when its cooperation ended."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.lib.auth import provincial_only
from backend.lib.openapi import errors
from backend.payments import rerouting
from backend.payments.schemas import BankInFlight

TAGS = ["payments"]


@get(
    "/api/v1/staff/payments/banks/{code:str}/in-flight",
    guards=[provincial_only],
    tags=TAGS,
    responses=errors(e404="`bank.not_found`."),
    summary="A bank's payments in flight",
    description="The bank's payment instructions by status; the orders taken back from it unaccepted when its "
    "cooperation ended (`withdrawn`) and what became of them: routed to the holder's new bank, still waiting for a "
    "route (held until the new account opens), or cancelled by their agency; and the instructions the bank "
    "accepted and has still to answer (it must finish them: credited or returned). `all_settled_or_rerouted` is "
    "true when nothing is left with the bank and every order taken back went to another bank or was cancelled. "
    "Counts and amounts only: no personal data.",
)
async def bank_in_flight(code: Annotated[str, Parameter(pattern=r"^[A-Z0-9]{2,16}$")]) -> BankInFlight:
    return await rerouting.in_flight(code)


ROUTES: list[ControllerRouterHandler] = [bank_in_flight]

"""Banks answer account requests: the card's account number comes from the bank that opened it."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Request, get, post
from litestar.openapi.spec import Example
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.cards import accounts
from backend.cards import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import BANK, Principal, requires
from backend.lib.errors import ApiError
from backend.lib.openapi import errors

TAGS = ["bank accounts"]


def _bank(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal: Principal = request.user
    if not principal.org_id:
        raise ApiError(403, "auth.no_bank", "This client is not attached to a bank.")
    return uuid.UUID(principal.org_id)


@get(
    "/api/v1/bank/account-requests",
    guards=[requires(BANK)],
    tags=TAGS,
    summary="Account requests to open",
    description="The bank's own requests to open a card's account, oldest first: for a new card, a holder who "
    "chose this bank (`change`), or a holder moved here when another bank's cooperation ended (`migration`). Each "
    "item carries what the bank needs to open the account: the holder's name, document type and number in full, "
    "and the card number; every item shown is an entry on that holder's access record. Answer each with "
    "POST /api/v1/bank/account-requests/{id}/answer; answered ones leave the `pending` list. A full page gives "
    "`next_after`: pass it as `after` for the next.",
)
async def account_requests(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    status: Literal["pending", "opened", "refused"] = "pending",
    limit: int = Parameter(default=100, ge=1, le=accounts.PULL_MAX),
    after: uuid.UUID | None = None,
    card_number: str | None = Parameter(
        default=None,
        pattern=r"^[A-Z][0-9]{8}$",
        description="Only the request for this card (a bank's counter serving one customer)",
        examples=[Example(value="A12345678")],
    ),
) -> s.AccountRequestPage:
    return await accounts.pull(
        keyring, _bank(request), request.user.id, status=status, limit=limit, after=after, card_number=card_number
    )


@post(
    "/api/v1/bank/account-requests/{request_id:uuid}/answer",
    status_code=200,
    guards=[requires(BANK)],
    tags=TAGS,
    responses=errors(
        e404="`bank_account.not_found`: your bank has no request with this id.",
        e409="`bank_account.answer_conflict` (answered otherwise before), `bank_account.superseded` (replaced by a "
        "later request, or the bank's cooperation ended), `bank_account.number_in_use` (another live card at your "
        "bank has this account number).",
        e422="`bank_account.account_required` (opened without a number), `bank_account.reason_required` (refused "
        "without a reason code).",
    ),
    summary="Answer an account request",
    description="`opened` with the account number the bank opened (8-32 digits): the card gets it at once (for a "
    "change of bank, the card moves to this bank now), the holder is told, and payments waiting for the account "
    "go again. `refused` with a reason code: the holder is told; a refused change leaves the card at its old bank. "
    "The same answer again is harmless (`duplicate: true`).",
)
async def answer_request(request: Request[Any, Any, Any], request_id: uuid.UUID, data: s.AccountAnswer) -> s.AccountAnswerOut:
    return await accounts.answer(_bank(request), request.user.id, request_id, data)


ROUTES: list[ControllerRouterHandler] = [account_requests, answer_request]

"""Banks' payment routes: pull signed instructions and answer them (only the calling bank's own)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.lib.auth import BANK, Principal, requires
from backend.lib.errors import ApiError
from backend.lib.openapi import errors
from backend.payments import instructions
from backend.payments.schemas import BankAnswer, BankAnswerOut, BankInstructionPage

TAGS = ["payments: banks"]


def _bank(request: Request[Any, Any, Any]) -> str:
    principal: Principal = request.user
    if not principal.org_id:
        raise ApiError(403, "auth.not_permitted", "This credential names no bank.")
    return principal.org_id


@get(
    "/api/v1/bank/instructions",
    guards=[requires(BANK)],
    tags=TAGS,
    summary="Pull payment instructions",
    description="The calling bank's payment instructions in one status (`pending`: not yet accepted, the default; "
    "`accepted`: accepted and not yet credited or returned), oldest first. Each carries the account in full and the "
    "payee's name (the bank credits the account and checks the name), a stable `id` that stays the same however "
    "often it is pulled, and an Ed25519 `signature` by the province's issuer key `kid` (published at "
    '/.well-known/jwks.json) over the exact bytes docs/payments.md ("Instructions") defines: verify it before '
    "paying. Each instruction's disclosure to the bank is on the holder's access record.",
)
async def pull_instructions(
    request: Request[Any, Any, Any],
    status: Annotated[Literal["pending", "accepted"], Parameter(description="Which instructions.")] = "pending",
    limit: Annotated[int, Parameter(ge=1, le=1000, description="At most this many.")] = 100,
) -> BankInstructionPage:
    return await instructions.pull(_bank(request), status, limit)


@post(
    "/api/v1/bank/instructions/{instruction_id:uuid}/answers",
    status_code=200,
    guards=[requires(BANK)],
    tags=TAGS,
    responses=errors(
        e404="`payment.instruction_not_found`: your bank has no instruction with this id.",
        e409="`payment.answer_conflict`: the answer contradicts an earlier one (credited then returned, returned then "
        "credited, accepted after credited or returned); `payment.instruction_withdrawn`: the instruction was "
        "withdrawn before your bank accepted it (do not pay it).",
        e422="`payment.reason_required`: a returned payment needs `reason_code`.",
    ),
    summary="Answer a payment instruction",
    description="`accepted` (the bank will credit it), `credited` (done: the order is settled, the agency and the "
    "holder are told) or `returned` (with `reason_code`: the order is held, the agency decides to retry or cancel, the "
    "holder is told). Allowed: pending → accepted, credited or returned; accepted → credited or returned. Sending an "
    "answer already received again is harmless: `duplicate` is true and nothing changes. Of two contradicting "
    "answers sent at once exactly one is taken; the other gets 409.",
)
async def answer_instruction(request: Request[Any, Any, Any], instruction_id: uuid.UUID, data: BankAnswer) -> BankAnswerOut:
    return await instructions.answer(_bank(request), request.user.id, instruction_id, data)


ROUTES: list[ControllerRouterHandler] = [pull_instructions, answer_instruction]

"""The cooperating bank's side (a `bank` machine client), and its answer keys (provincial operators)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.lib.auth import BANK, Principal, provincial_only, requires
from backend.lib.openapi import errors
from backend.lib.store import Store
from backend.proofing import banking
from backend.proofing import schemas as s

TAGS = ["proofing"]
bank_only = requires(BANK)


@post(
    "/api/v1/bank/proofing/lookup",
    status_code=200,
    guards=[bank_only],
    tags=TAGS,
    summary="Find the challenge a customer approves",
    description="The bank's app asked its customer for the number the wallet shows: which challenge that is, and "
    "what to sign. A miss counts as a guess.",
    responses=errors(
        e403="`proofing.wrong_bank`: the card's account is at another bank.",
        e404="`proofing.challenge_unknown`.",
        e429="`proofing.throttled` (Retry-After).",
    ),
)
async def lookup(request: Request[Principal, Any, Any], data: s.BankLookup, store: Store, now: int) -> s.BankLookupOut:
    return await banking.lookup(store, request.user, card_number=data.card_number, number=data.number, now=now)


@post(
    "/api/v1/bank/proofing/answers",
    status_code=200,
    guards=[bank_only],
    tags=TAGS,
    summary="The holder approved (or refused) the challenge",
    description="A signed answer: Ed25519 by one of the bank's registered answer keys over the canonical JSON of "
    "{purpose: yikatong.proofing.bank-answer.v1, challenge_id, card_number, decision, signed_at}. Approved proves the "
    "person (remote, bank) and activates the e-card.",
    responses=errors(
        e403="`proofing.wrong_bank`.",
        e404="`proofing.challenge_unknown`.",
        e409="`proofing.challenge_used` (a replay) or `proofing.challenge_expired`.",
        e422="`proofing.card_mismatch`, `proofing.bad_signature` or `proofing.stale_answer`.",
        e429="`proofing.throttled` (Retry-After).",
    ),
)
async def answer(request: Request[Principal, Any, Any], data: s.BankAnswer, store: Store, now: int) -> s.ChallengeOut:
    return await banking.answer(store, request.user, data, now)


@post(
    "/api/v1/proofing/bank-keys",
    status_code=201,
    guards=[provincial_only],
    tags=TAGS,
    summary="Register a bank's answer key",
    description="Provincial operators register the Ed25519 public key a cooperating bank signs challenge answers "
    "with. A bank may have several (rotation).",
    responses=errors(e404="`bank.not_found`.", e409="`proofing.key_exists`.", e422="`proofing.bad_public_key`."),
)
async def register_key(request: Request[Principal, Any, Any], data: s.BankKeyIn, now: int) -> s.BankKeyOut:
    return await banking.register_key(request.user, bank_code=data.bank_code, public_key=data.public_key, now=now)


@get(
    "/api/v1/proofing/bank-keys",
    guards=[provincial_only],
    tags=TAGS,
    summary="Banks' answer keys",
    description="Newest first, optionally of one bank.",
    responses=errors(e404="`bank.not_found`."),
)
async def list_keys(bank_code: Annotated[str | None, Parameter(pattern=r"^[A-Z0-9]{2,16}$")] = None) -> list[s.BankKeyOut]:
    return await banking.list_keys(bank_code)


@post(
    "/api/v1/proofing/bank-keys/{key_id:uuid}/revoke",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Revoke a bank's answer key",
    description="Answers signed with it are refused from now on. Revoking twice is harmless.",
    responses=errors(e404="`proofing.key_not_found`."),
)
async def revoke_key(key_id: uuid.UUID, now: int) -> s.BankKeyOut:
    return await banking.revoke_key(key_id, now)


ROUTES = [lookup, answer, register_key, list_keys, revoke_key]

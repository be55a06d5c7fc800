"""Cooperating bank registry routes: public list, provincial operators create and change status."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.params import Parameter

from backend.cards import banks
from backend.cards import schemas as s
from backend.cards.access import Actor
from backend.cards.outputs import ERRORS
from backend.lib.auth import provincial_only
from backend.lib.openapi import errors

TAGS = ["banks"]


def _operator(request: Request[Any, Any, Any]) -> Actor:
    """A provincial operator, working in the web back office (recorded on moved holders' events)."""
    office = request.user.office_id
    office_id = uuid.UUID(office) if office else None
    return Actor(kind="staff", id=request.user.id, channel="web", office_id=office_id, principal=request.user)


@get(
    "/api/v1/banks",
    tags=TAGS,
    summary="Cooperating banks",
    description="The public registry of cooperating banks (Art. 12): code, name, status (active: takes new cards; "
    "suspended: no new cards; ended: holders moved) and whether a replacement card keeps the account number.",
)
async def list_banks(status: Literal["active", "suspended", "ended"] | None = None) -> list[s.BankOut]:
    return await banks.list_banks(status)


@post(
    "/api/v1/banks",
    status_code=201,
    guards=[provincial_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Register a cooperating bank",
    description="Provincial operators only. 409 `bank.exists`.",
)
async def create_bank(request: Request[Any, Any, Any], data: s.NewBank) -> s.BankOut:
    return await banks.create(
        _operator(request), code=data.code, name=data.name.strip(), keeps_account_on_replacement=data.keeps_account_on_replacement
    )


@post(
    "/api/v1/banks/{code:str}/status",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    responses=ERRORS,
    summary="Suspend, reactivate or end a bank",
    description="active <-> suspended (no new cards while suspended; its holders are told and may choose another "
    "bank); ending needs `successor_bank_code`, an active bank that takes over the holders: each card moves to the "
    "bank of the change its holder asked for if that bank is active, else to the successor, with an account request "
    "there (the account is empty until that bank opens one) and an event and notice the holder sees. Payments the "
    "ended bank had not accepted are re-routed. Holders move in batches, one transaction per batch; ending an ended "
    "bank again resumes an interrupted move. 409 `bank.illegal_status`; 422 `bank.successor_required`.",
)
async def change_status(
    request: Request[Any, Any, Any], code: Annotated[str, Parameter(pattern=r"^[A-Z0-9]{2,16}$")], data: s.BankStatusChange
) -> s.BankStatusOut:
    return await banks.set_status(_operator(request), code, data.status, data.successor_bank_code)


@get(
    "/api/v1/banks/{code:str}/migration",
    guards=[provincial_only],
    tags=TAGS,
    responses=errors(
        e404="`bank.not_found`.", e409="`bank.not_ended`: only a bank whose cooperation ended has a migration report."
    ),
    summary="Migration report of an ended bank",
    description="Accounts for every holder whose card was at the bank when its cooperation ended: how many moved "
    "to the bank they had chosen (`by_choice`) or to the successor (`by_default`), where they went, whether their "
    "new account is opened, pending or refused, and how many live cards are still at the ended bank (0 once the "
    "move is complete). `all_accounted` is true when no card is left behind and every holder is counted once.",
)
async def migration_report(code: Annotated[str, Parameter(pattern=r"^[A-Z0-9]{2,16}$")]) -> s.MigrationReport:
    return await banks.migration_report(code)


ROUTES = [list_banks, create_bank, change_status, migration_report]

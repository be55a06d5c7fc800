"""What a proofing route proved about an account: its level, the method and when."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from backend.accounts.tables import Account
from backend.lib import assurance
from backend.lib.errors import ApiError


class AccountProof(msgspec.Struct, frozen=True, kw_only=True):
    """How surely the person behind an account was proven (backend/lib/assurance.py)."""

    level: int
    method: str
    proven_at: dt.datetime | None


def _utc(now: int | dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC) if isinstance(now, int) else now.astimezone(dt.UTC)


async def record_proof(account_id: uuid.UUID | str, *, level: int, method: str, now: int | dt.datetime) -> AccountProof:
    """Mark the account as proven to be its person. Only proofing routes call this (and test or
    demo set-up that stands for one). Joins the caller's transaction when one is open."""
    if level not in assurance.LEVELS or method not in assurance.METHODS:
        raise ValueError(f"unknown proof {level}/{method}")
    moment = _utc(now)
    updated = (
        await Account.update({Account.assurance: level, Account.proven_method: method, Account.proven_at: moment})
        .where(Account.id == account_id)
        .returning(Account.id)
        .run()
    )
    if not updated:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return AccountProof(level=level, method=method, proven_at=moment)


async def proof_of(account_id: uuid.UUID | str) -> AccountProof:
    row = (
        await Account.select(Account.assurance, Account.proven_method, Account.proven_at)
        .where(Account.id == account_id)
        .first()
        .run()
    )
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return AccountProof(level=row["assurance"] or 0, method=row["proven_method"] or "", proven_at=row["proven_at"])

"""Card write transactions: compare-and-set with bounded retries, unique clashes made into answers."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from backend.lib import db
from backend.lib.errors import ApiError

T = TypeVar("T")
ATTEMPTS = 12

# A clash on these means "run again": card numbers and refs are drawn at random, and a person
# registered by a parallel request is found (not created) on the next run.
RETRY_COLUMNS = frozenset({"cards_card.number", "cards_card.ref", "identity_person.id_blind"})

# Columns whose uniqueness is a business rule: a clash is a definite answer.
UNIQUE_ANSWERS: dict[str, Callable[[], ApiError]] = {
    "cards_card.active_person": lambda: ApiError(
        409, "card.already_active", "This person already has a card that is not cancelled or replaced.", reason="card"
    ),
    "cards_application.open_person": lambda: ApiError(
        409, "card.already_active", "This person already has an application waiting for review.", reason="application"
    ),
    "cards_device.bound_key": lambda: ApiError(
        409, "device.key_in_use", "This public key is already bound to a device; generate a new key pair."
    ),
    "org_bank.code": lambda: ApiError(409, "bank.exists", "A bank with this code already exists."),
}
_KNOWN = RETRY_COLUMNS | set(UNIQUE_ANSWERS)


class Conflict(Exception):
    """The row changed since we read it (its version moved): read again and decide again."""


def violated(exc: BaseException) -> str | None:
    """'table.column' of the unique constraint `exc` reports, for the columns this feature knows."""
    if isinstance(exc, sqlite3.IntegrityError):
        text = str(exc)  # "UNIQUE constraint failed: cards_card.number"
        return next((name for name in _KNOWN if text.endswith(name)), None)
    constraint = getattr(exc, "constraint_name", None)  # asyncpg: "cards_card_number_key"
    if getattr(exc, "sqlstate", None) == "23505" and constraint:
        return next((name for name in _KNOWN if constraint == name.replace(".", "_") + "_key"), None)
    return None


def in_transaction() -> bool:
    return db.engine().current_transaction.get() is not None


async def run(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` in a write transaction; on a lost compare-and-set or a RETRY_COLUMNS clash,
    roll back and run it again from the start (it re-reads, so it re-decides).

    Inside an outer transaction it runs once: the outermost `run` owns the retries.
    """
    if in_transaction():
        return await attempt()
    for tries in range(ATTEMPTS):
        try:
            async with db.transaction():
                return await attempt()
        except Conflict:
            pass
        except Exception as exc:
            column = violated(exc)
            if column in UNIQUE_ANSWERS:
                raise UNIQUE_ANSWERS[column]() from None
            if column not in RETRY_COLUMNS:
                raise
        # Jitter so racing writers do not meet again in lock step.
        await asyncio.sleep(random.uniform(0, 0.002 * (tries + 1)))
    raise ApiError(409, "card.busy", "The card is being changed by other requests; try again.", retry_after=1)

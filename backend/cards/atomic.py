"""Card write transactions: compare-and-set with bounded retries (db.retrying), unique clashes made into answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from backend.lib import db
from backend.lib.db import Conflict as Conflict  # re-exported: cards raise atomic.Conflict
from backend.lib.errors import ApiError

T = TypeVar("T")
ATTEMPTS = 12

# A clash on these means "run again": card numbers and refs are drawn at random, and a person
# registered by a parallel request is found (not created) on the next run.
RETRY_COLUMNS = frozenset(
    {"cards_card.number", "cards_card.ref", "identity_person.id_blind", "identity_person_document.id_blind"}
)

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


def _again(exc: Exception) -> bool:
    """A RETRY_COLUMNS clash runs the attempt again; an UNIQUE_ANSWERS clash is the answer."""
    column = db.unique_clash(exc, _KNOWN)
    if column is not None and column in UNIQUE_ANSWERS:
        raise UNIQUE_ANSWERS[column]() from None
    return column in RETRY_COLUMNS


def _busy() -> ApiError:
    return ApiError(409, "card.busy", "The card is being changed by other requests; try again.", retry_after=1)


async def run(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` in a write transaction; on a lost compare-and-set (Conflict) or a
    RETRY_COLUMNS clash, roll back and run it again from the start (it re-reads, so it
    re-decides), at most ATTEMPTS times.

    Inside an outer transaction it runs once: the outermost `run` owns the retries.
    """
    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=_again)

"""Throttling of guesses: refusals per account, staff member, bank client and person.

Counted twice on purpose: in the store (`incr`, a fast answer) and in `proofing_attempt` (every
refusal is a row there anyway). A lockout is decided by the larger count, so it holds when Redis
restarts empty or evicts the counters.
"""

from __future__ import annotations

import datetime as dt
import uuid

from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.proofing import records, vocab

Scope = tuple[str, uuid.UUID | None]  # ("account" | "staff" | "client" | "person", id)


def _limit(scope: str) -> int:
    return vocab.LIMIT_PER_PERSON if scope == "person" else vocab.LIMIT_PER_ACTOR


def _key(scope: str, owner: uuid.UUID) -> str:
    return f"proofing:fail:{scope}:{owner.hex}"


async def check(store: Store, scopes: list[Scope], now: int) -> None:
    """429 `proofing.throttled` (with `retry_after`) when any of these has used up its refusals."""
    for scope, owner in scopes:
        if owner is None:
            continue
        limit = _limit(scope)
        counted = await store.get(_key(scope, owner))
        if counted is not None and int(counted) >= limit:
            left = await store.ttl(_key(scope, owner))
            _refuse(scope, left if left > 0 else vocab.WINDOW_SECONDS)
        since = records.utc(now - vocab.WINDOW_SECONDS)
        times = await records.refusals_since(scope, owner, since)
        if len(times) >= limit:
            # The lock ends when enough of the oldest refusals have left the window.
            freeing = times[len(times) - limit]
            _refuse(scope, max(1, int((freeing + dt.timedelta(seconds=vocab.WINDOW_SECONDS)).timestamp()) - now))


def _refuse(scope: str, retry_after: int) -> None:
    raise ApiError(
        429,
        vocab.THROTTLED,
        "Too many refused proofing attempts; try again later.",
        retry_after=retry_after,
        scope=scope,
    )


async def count(store: Store, scopes: list[Scope]) -> None:
    """Count one refusal against each scope in the store (the attempt row is the durable count)."""
    for scope, owner in scopes:
        if owner is not None:
            await store.incr(_key(scope, owner), vocab.WINDOW_SECONDS)

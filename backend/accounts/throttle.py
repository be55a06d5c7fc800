"""Login brute-force defence: failure counters per account and per address, exponential lockout."""

from __future__ import annotations

import hashlib
import logging

from backend.lib.errors import ApiError
from backend.lib.store import Store

log = logging.getLogger("yikatong.accounts")

LOCK_BASE_SECONDS = 30  # the lock after the N-th failure; each further failure doubles it
LOCK_CAP_SECONDS = 15 * 60
FAILURE_WINDOW_SECONDS = 24 * 3600  # counters start afresh a day after the first failure
# Many honest people share one address (office NAT, carrier-grade NAT on phones), so an
# address gets more failures than one account before it is locked.
ADDRESS_FACTOR = 4
BUSY_SECONDS = 30


def account_key(kind: str, ident: str) -> str:
    """Counter key for an account: `ident` is a blind index or username, hashed again so the
    store never holds anything that could be matched back to a person."""
    return f"{kind}:" + hashlib.sha256(ident.encode()).hexdigest()[:32]


def address_key(host: str | None) -> str:
    return "addr:" + (host or "unknown")


def lock_seconds(failures: int, limit: int) -> int:
    """0 below the limit; then 30 s, 60 s, 120 s ... up to 15 minutes."""
    if failures < limit:
        return 0
    doublings: int = 2 ** min(failures - limit, 16)  # never negative here: failures >= limit
    return min(LOCK_BASE_SECONDS * doublings, LOCK_CAP_SECONDS)


async def ensure_not_locked(store: Store, *keys: str) -> None:
    """429 `auth.locked` while any of these keys is locked; called before any password check."""
    for key in keys:
        left = await store.ttl(f"login:lock:{key}")
        if left > 0 or left == -1:
            retry = left if left > 0 else LOCK_CAP_SECONDS
            raise ApiError(429, "auth.locked", "Too many failed sign-ins; try again later.", retry_after=retry)


async def begin(store: Store, key: str) -> str:
    """Serialise attempts per account, so a burst of parallel guesses cannot outrun the counter."""
    marker = f"login:busy:{key}"
    if await store.claim(marker, "1", BUSY_SECONDS) is not None:
        raise ApiError(429, "auth.busy", "Another sign-in for this account is in progress.", retry_after=1)
    return marker


async def end(store: Store, marker: str) -> None:
    await store.delete(marker)


async def record_failure(store: Store, key: str, limit: int) -> int:
    """Count a failure; returns the lock it caused in seconds (0 for none)."""
    failures = await store.incr(f"login:fail:{key}", FAILURE_WINDOW_SECONDS)
    seconds = lock_seconds(failures, limit)
    if seconds:
        await store.set(f"login:lock:{key}", "1", seconds)
        # The key is a hash or an address, never an identity number.
        log.warning("sign-in locked", extra={"scope": key.split(":", 1)[0], "failures": failures, "seconds": seconds})
    return seconds


async def reset(store: Store, key: str) -> None:
    await store.delete(f"login:fail:{key}")
    await store.delete(f"login:lock:{key}")

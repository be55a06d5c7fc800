"""What unauthenticated callers can make the provider store: rate limits on starting sign-ins, and the purge of expired rows."""

from __future__ import annotations

import datetime as dt

from backend.lib import db
from backend.lib.store import Store
from backend.oidc.protocol import OAuthError
from backend.oidc.tables import AccessToken, AuthCode, AuthRequest

# /oauth/authorize and /oauth/device_authorization each store a request row for anyone who asks.
# Per address: generous for a family or an office behind one NAT, far below a flood. Per client: a
# busy site or a fleet of terminals, still bounded.
PER_ADDRESS_PER_MINUTE = 30
PER_CLIENT_PER_MINUTE = 600
PURGE_AFTER_SECONDS = 86400  # expired rows are kept a day (a late poll or code reuse still gets a clear answer)
PURGE_EVERY_SECONDS = 60  # at most one purge a minute, across workers (a store claim)
PURGE_BATCH = 1000


async def check_rate(store: Store, address: str | None, client_id: str) -> None:
    """429 `temporarily_unavailable` (with Retry-After) when this address or this client has started
    too many sign-ins in the last minute. Call before the request row is written."""
    for key, limit in (
        (f"oidc:start:addr:{address or 'unknown'}", PER_ADDRESS_PER_MINUTE),
        (f"oidc:start:client:{client_id}", PER_CLIENT_PER_MINUTE),
    ):
        if await store.incr(key, 60) > limit:
            raise OAuthError("temporarily_unavailable", "Too many sign-ins started; try again in a minute.", 429, retry_after=60)


async def purge(store: Store, now: int) -> int:
    """Delete tokens, codes and requests that expired more than PURGE_AFTER_SECONDS ago, in
    batches, at most once a minute (whoever claims the minute does it). Returns the requests deleted."""
    if await store.claim("oidc:purge", "1", PURGE_EVERY_SECONDS) is not None:
        return 0
    cutoff = dt.datetime.fromtimestamp(now - PURGE_AFTER_SECONDS, dt.UTC)
    async with db.transaction():
        await AccessToken.delete().where(AccessToken.expires_at < cutoff).run()
        await AuthCode.delete().where(AuthCode.expires_at < cutoff).run()
        rows = await AuthRequest.select(AuthRequest.id).where(AuthRequest.expires_at < cutoff).limit(PURGE_BATCH).run()
        ids = [r["id"] for r in rows]
        if not ids:
            return 0
        # a token or code of a request may outlive it by a few minutes: such a request waits for the next purge
        kept = {r["request"] for r in await AccessToken.select(AccessToken.request).where(AccessToken.request.is_in(ids)).run()}
        kept |= {r["request"] for r in await AuthCode.select(AuthCode.request).where(AuthCode.request.is_in(ids)).run()}
        gone = [i for i in ids if i not in kept]
        if gone:
            await AuthRequest.delete().where(AuthRequest.id.is_in(gone)).run()
    return len(gone)

"""Signing in with a passkey alone: the passkey is both factors (something held, and the
holder's fingerprint, face or PIN that unlocks it), so no identity number or password is asked."""

from __future__ import annotations

import logging

from backend.accounts import citizens, passkeys, sessions, throttle
from backend.accounts.common import device_label
from backend.accounts.schemas import LoginResponse, PasskeyLogin, RequestOptions
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.accounts")

OPTIONS_PER_MINUTE = 30  # challenges one address may ask for (each is a row until it expires)


async def options(store: Store, settings: Settings, address: str | None, now: int) -> RequestOptions:
    """A username-less challenge: the browser offers whichever passkey of this site the holder picks."""
    if await store.incr(f"passkey:options:{throttle.address_key(address)}", 60) > OPTIONS_PER_MINUTE:
        raise ApiError(429, "auth.busy", "Too many passkey sign-ins from this address; wait a minute.", retry_after=60)
    return await passkeys.assertion_options(passkeys.SIGNIN, settings, now)


async def login(
    data: PasskeyLogin,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    *,
    user_agent: str,
    address: str | None,
    now: int,
) -> LoginResponse:
    """Check the assertion (user verification required) and open a session as a password sign-in does.
    Failures count against the address, like wrong passwords do."""
    key = throttle.address_key(address)
    limit = settings.login_max_failures * throttle.ADDRESS_FACTOR
    await throttle.ensure_not_locked(store, key)
    try:
        used = await passkeys.verify_assertion(data.credential, passkeys.SIGNIN, settings, now, require_uv=True)
    except passkeys.Refused as refused:
        await throttle.record_failure(store, key, limit)
        log.info("passkey sign-in refused", extra={"reason": refused.code})
        raise refused.as_error(401) from None
    token, session = await sessions.create(
        kind="citizen",
        owner_id=used.account_id,
        now=now,
        user_agent=user_agent,
        client_label=device_label(user_agent, data.client_label),
    )
    log.info("signed in", extra={"kind": "citizen", "owner_id": str(used.account_id), "method": "passkey"})
    return LoginResponse(
        token=token,
        session_id=session["id"],
        expires_at=session["expires_at"],
        idle_timeout_seconds=sessions.IDLE_SECONDS,
        account=await citizens.account_view(keyring, used.account_id),
    )

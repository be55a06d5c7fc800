"""The sign-in sequence shared by citizens and staff: lockout check, password, second factor."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from backend.accounts import factors, passkeys, passwords, throttle
from backend.accounts.schemas import AuthenticationCredential
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.accounts")
BAD_CREDENTIALS = "The identity document or password is wrong."


async def sign_in(
    kind: str,
    key: str,
    load_row: Callable[[], Awaitable[dict[str, Any] | None]],
    *,
    password: str,
    totp_code: str | None,
    recovery_code: str | None,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    address: str | None,
    now: int,
    bad_message: str = BAD_CREDENTIALS,
    passkey: AuthenticationCredential | None = None,
) -> dict[str, Any]:
    """Check a sign-in for the account counted under `key`; returns its row or raises.

    Locks are checked before the password is, attempts on one account are serialised, and
    unknown accounts cost the same Argon2 work as known ones and get the same answer.
    """
    if sum(x is not None for x in (totp_code, recovery_code, passkey)) > 1:
        raise ApiError(422, "auth.two_second_factors", "Give one second factor: a TOTP code, a recovery code or a passkey.")
    address_key = throttle.address_key(address)
    limit = settings.login_max_failures
    await throttle.ensure_not_locked(store, key, address_key)
    marker = await throttle.begin(store, key)
    try:
        row = await load_row()
        ok = await passwords.verify_password(row["password_hash"] if row else None, password)
        if ok and row is not None and not row.get("active", True):
            ok = False  # a deactivated staff member looks exactly like a wrong password
        if not ok or row is None:  # verify_password(None, ...) is never ok: row is there when ok
            await _failed(store, key, address_key, limit)
            log.info("sign-in refused", extra={"kind": kind, "reason": "auth.bad_credentials"})
            raise ApiError(401, "auth.bad_credentials", bad_message)
        keys = await passkeys.count(row["id"]) if kind == "citizen" else 0
        if row["totp_enabled"] or keys:
            if passkey is not None:
                problem = await _passkey_factor(row, passkey, settings, now)
            elif totp_code is not None and not row["totp_enabled"]:
                problem = "auth.bad_totp"  # passkeys only: there is no secret to check a code against
            else:
                problem = await factors.second_factor(kind, row, keyring, now, code=totp_code, recovery_code=recovery_code)
            if problem == "auth.totp_required" and keys:
                raise await _second_factor_required(row, settings, now)
            if problem == "auth.totp_required":
                raise ApiError(401, problem, "Enter the code from your authenticator app, or a recovery code.")
            if problem:
                await _failed(store, key, address_key, limit)
                log.info("sign-in refused", extra={"kind": kind, "reason": problem, "owner_id": str(row["id"])})
                raise ApiError(401, problem, "The second-step code is wrong, expired or already used.")
        await throttle.reset(store, key)
        await _rehash_if_needed(kind, row, password)
        log.info("signed in", extra={"kind": kind, "owner_id": str(row["id"])})
        return row
    finally:
        await throttle.end(store, marker)


async def _passkey_factor(row: dict[str, Any], passkey: AuthenticationCredential, settings: Settings, now: int) -> str | None:
    """A passkey as the second factor: None when its answer holds, else the error code."""
    try:
        await passkeys.verify_assertion(
            passkey, passkeys.SECOND_FACTOR, settings, now, account_id=str(row["id"]), require_uv=False
        )
    except passkeys.Refused as refused:
        log.info("passkey second factor refused", extra={"reason": refused.code, "owner_id": str(row["id"])})
        return "auth.bad_passkey"
    return None


async def _second_factor_required(row: dict[str, Any], settings: Settings, now: int) -> ApiError:
    """401 naming the account's second factors, with the options a passkey answers."""
    methods = ["passkey", *(["totp"] if row["totp_enabled"] else []), "recovery_code"]
    options = await passkeys.assertion_options(passkeys.SECOND_FACTOR, settings, now, account_id=str(row["id"]))
    return ApiError(
        401,
        "auth.second_factor_required",
        "Confirm with your passkey, or enter a code from your authenticator app or a recovery code.",
        methods=methods,
        passkey_options=msgspec.to_builtins(options),
    )


async def _failed(store: Store, key: str, address_key: str, limit: int) -> None:
    await throttle.record_failure(store, key, limit)
    await throttle.record_failure(store, address_key, limit * throttle.ADDRESS_FACTOR)


async def _rehash_if_needed(kind: str, row: dict[str, Any], password: str) -> None:
    """Move the stored hash to the current Argon2 parameters while we hold the clear password."""
    old = row["password_hash"]
    if not passwords.needs_rehash(old):
        return
    table = factors.table_for(kind)
    new = await passwords.hash_password(password)
    # Only if unchanged meanwhile: a parallel password change must win.
    await table.update({table.password_hash: new}).where((table.id == row["id"]) & (table.password_hash == old)).run()
    row["password_hash"] = new

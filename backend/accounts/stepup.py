"""Step-up: a fresh factor for the session before the actions a thief with an unlocked phone must
not take (backend.lib.auth.require_step_up checks it); and the holder's recovery codes."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from backend.accounts import factors, passkeys, passwords, throttle
from backend.accounts.schemas import RecoveryCodes, RecoveryState, RequestOptions, StepUpMethod, StepUpRequest, StepUpState
from backend.accounts.sessions import utc
from backend.accounts.tables import RecoveryCode, Session
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, require_step_up, step_up_window
from backend.lib.db import transaction
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.accounts")


def _session(principal: Principal) -> str:
    if principal.kind not in ("citizen", "staff") or principal.session_id is None:
        raise ApiError(403, "auth.session_required", "Only signed-in citizens and staff can do this.")
    return principal.session_id


async def _owner(principal: Principal) -> dict[str, Any]:
    table = factors.table_for(principal.kind)
    row: dict[str, Any] | None = (
        await table.select(table.id, table.password_hash, table.totp_enabled, table.totp_cipher, table.totp_last_step)
        .where(table.id == principal.id)
        .first()
        .run()
    )
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return row


async def has_second_factor(principal: Principal) -> bool:
    row = await _owner(principal)
    return bool(row["totp_enabled"]) or (principal.kind == "citizen" and await passkeys.count(principal.id) > 0)


async def methods_for(principal: Principal) -> list[StepUpMethod]:
    """The factors this account can give: its passkeys, TOTP and recovery codes; the password only
    while it has no second factor (else the password alone would undo what the factor protects)."""
    row = await _owner(principal)
    methods: list[StepUpMethod] = []
    if principal.kind == "citizen" and await passkeys.count(principal.id):
        methods.append("passkey")
    if row["totp_enabled"]:
        methods.append("totp")
    if methods:
        if await factors.recovery_codes_left(principal.id):
            methods.append("recovery_code")
    else:
        methods.append("password")
    return methods


def _state(methods: list[StepUpMethod], stepped_up_at: int | None, now: int) -> StepUpState:
    window = step_up_window()
    fresh = stepped_up_at is not None and 0 <= now - stepped_up_at <= window
    return StepUpState(
        methods=methods,
        window_seconds=window,
        stepped_up_at=utc(stepped_up_at) if stepped_up_at is not None else None,
        fresh_until=utc(stepped_up_at + window) if fresh and stepped_up_at is not None else None,
    )


async def state(principal: Principal, now: int) -> StepUpState:
    _session(principal)
    return _state(await methods_for(principal), principal.stepped_up_at, now)


async def options(principal: Principal, settings: Settings, now: int) -> RequestOptions:
    """A challenge for this session's step-up, answerable by the account's own passkeys only."""
    session_id = _session(principal)
    if principal.kind != "citizen":
        raise ApiError(409, "passkey.none", "This account has no passkey.")
    return await passkeys.assertion_options(passkeys.STEP_UP, settings, now, account_id=principal.id, session_id=session_id)


async def mark(session_id: uuid.UUID | str, now: int) -> None:
    """Record a fresh factor on the session."""
    await Session.update({Session.stepped_up_at: utc(now)}).where(Session.id == session_id).run()


async def step_up(
    principal: Principal, data: StepUpRequest, keyring: Keyring, store: Store, settings: Settings, now: int
) -> StepUpState:
    """Check one fresh factor and open the step-up window for this session. Wrong factors count
    towards a lockout, so a stolen session cannot guess its way through codes or the password."""
    session_id = _session(principal)
    given: list[StepUpMethod] = [m for m in ("passkey", "totp", "recovery_code", "password") if getattr(data, m) is not None]
    if len(given) != 1:
        raise ApiError(422, "stepup.one_factor", "Give exactly one factor: passkey, totp, recovery_code or password.")
    method = given[0]
    methods = await methods_for(principal)
    if method not in methods:
        raise ApiError(422, "stepup.method_unavailable", "This account cannot step up that way.", methods=list(methods))
    key = throttle.account_key("stepup", principal.id)
    await throttle.ensure_not_locked(store, key)
    marker = await throttle.begin(store, key)
    try:
        problem = await _check(principal, data, method, keyring, settings, now)
        if problem:
            await throttle.record_failure(store, key, settings.login_max_failures)
            log.info("step-up refused", extra={"owner_id": principal.id, "method": method, "reason": problem})
            raise ApiError(422, "stepup.bad_factor", "That did not confirm it is you.", method=method, reason=problem)
        await throttle.reset(store, key)
    finally:
        await throttle.end(store, marker)
    await mark(session_id, now)
    log.info("stepped up", extra={"owner_id": principal.id, "method": method})
    return _state(methods, now, now)


async def _check(
    principal: Principal, data: StepUpRequest, method: StepUpMethod, keyring: Keyring, settings: Settings, now: int
) -> str | None:
    """None when the factor holds, else why not."""
    if method == "passkey" and data.passkey is not None:
        try:
            await passkeys.verify_assertion(
                data.passkey,
                passkeys.STEP_UP,
                settings,
                now,
                account_id=principal.id,
                session_id=principal.session_id,
                require_uv=True,
            )
        except passkeys.Refused as refused:
            return refused.code
        return None
    row = await _owner(principal)
    if method == "totp" and data.totp is not None:
        secret = factors.active_secret(principal.kind, row, keyring)
        ok = await factors.consume_totp(principal.kind, principal.id, secret, data.totp, now, row["totp_last_step"])
        return None if ok else "totp.bad_code"
    if method == "recovery_code" and data.recovery_code is not None:
        return None if await factors.consume_recovery(principal.id, data.recovery_code, now) else "recovery.bad_code"
    if method == "password" and data.password is not None:
        return None if await passwords.verify_password(row["password_hash"], data.password) else "password.wrong"
    return "stepup.one_factor"


# --- Recovery codes ---------------------------------------------------------------------------


async def recovery_state(principal: Principal) -> RecoveryState:
    _session(principal)
    rows = await (
        RecoveryCode.select(RecoveryCode.used_at, RecoveryCode.created_at).where(RecoveryCode.owner_id == principal.id).run()
    )
    created: list[dt.datetime] = [r["created_at"] for r in rows]
    return RecoveryState(
        available=await has_second_factor(principal),
        left=sum(1 for r in rows if r["used_at"] is None),
        total=len(rows),
        created_at=max(created) if created else None,
    )


async def regenerate(principal: Principal, now: int) -> RecoveryCodes:
    """New recovery codes in place of the old ones (step-up first); shown this once."""
    _session(principal)
    require_step_up(principal, now)
    if not await has_second_factor(principal):
        raise ApiError(409, "recovery.no_second_factor", "Recovery codes stand in for a passkey or TOTP: set one up first.")
    async with transaction():
        codes = await factors.replace_recovery_codes(principal.id, now)
    log.info("recovery codes replaced", extra={"owner_id": principal.id})
    return RecoveryCodes(recovery_codes=codes)

"""What a signed-in citizen or staff member does to their own sign-in: password, TOTP label, logout."""

from __future__ import annotations

import uuid

from backend.accounts import citizens, factors, passwords, sessions, staff, throttle
from backend.accounts.sessions import utc
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.db import transaction
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store


def _require_session(principal: Principal) -> None:
    if principal.kind not in ("citizen", "staff") or principal.session_id is None:
        raise ApiError(403, "auth.session_required", "Only signed-in citizens and staff can do this.")


async def change_password(
    principal: Principal, keyring: Keyring, store: Store, settings: Settings, *, current: str, new: str, now: int
) -> int:
    """Change the password (current one required); every other session is revoked. Returns how many."""
    _require_session(principal)
    if principal.kind == "citizen":
        row, key = await citizens.load_for_password(principal.id)
        id_number: str | None = identity.reveal_number(keyring, row)  # only to check the policy
    else:
        row, key = await staff.load_for_password(principal.id)
        id_number = None
    await throttle.ensure_not_locked(store, key)
    marker = await throttle.begin(store, key)
    try:
        if not await passwords.verify_password(row["password_hash"], current):
            await throttle.record_failure(store, key, settings.login_max_failures)
            raise ApiError(403, "password.wrong_current", "The current password is wrong.")
        await throttle.reset(store, key)
    finally:
        await throttle.end(store, marker)
    if new == current:
        raise ApiError(422, "password.unchanged", "The new password must differ from the current one.")
    passwords.check_policy(new, id_number=id_number)
    hashed = await passwords.hash_password(new)
    table = factors.table_for(principal.kind)
    async with transaction():
        await (
            table.update({table.password_hash: hashed, table.password_changed_at: utc(now)}).where(table.id == principal.id).run()
        )
        revoked = await sessions.revoke_all(principal.kind, principal.id, now, keep=principal.session_id)
    return revoked


async def totp_label(principal: Principal, keyring: Keyring) -> str:
    _require_session(principal)
    if principal.kind == "citizen":
        return await citizens.totp_label(keyring, principal.id)
    return (await staff.staff_view(principal.id)).username


async def logout(principal: Principal, now: int) -> None:
    _require_session(principal)
    await sessions.revoke(principal, uuid.UUID(principal.session_id), now)

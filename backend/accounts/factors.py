"""Second factor for citizens and staff alike: TOTP enrolment, once-only codes, recovery codes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

from backend.accounts import throttle, totp
from backend.accounts.schemas import TotpEnrolment
from backend.accounts.sessions import utc
from backend.accounts.tables import Account, Passkey, RecoveryCode, StaffMember
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib.db import transaction
from backend.lib.errors import ApiError
from backend.lib.store import Store


def table_for(kind: str) -> type[Account] | type[StaffMember]:
    return Account if kind == "citizen" else StaffMember


async def consume_totp(kind: str, owner_id: uuid.UUID | str, secret: str, code: str, now: int, last_step: int) -> bool:
    """Accept `code` once: its step must beat the stored last step, and the conditional UPDATE
    makes sure that of two workers holding the same code only one wins."""
    step = totp.matching_step(secret, code, now, after_step=last_step)
    if step is None:
        return False
    table = table_for(kind)
    won = await (
        table.update({table.totp_last_step: step})
        .where((table.id == owner_id) & (table.totp_last_step < step))
        .returning(table.id)
        .run()
    )
    return bool(won)


async def consume_recovery(owner_id: uuid.UUID | str, code: str, now: int) -> bool:
    """Use up a recovery code; the `used_at IS NULL` condition makes it single-use under races."""
    normalised = totp.normalise_recovery_code(code)
    if normalised is None:
        return False
    used = await (
        RecoveryCode.update({RecoveryCode.used_at: utc(now)})
        .where(
            (RecoveryCode.owner_id == owner_id)
            & (RecoveryCode.code_hash == totp.recovery_hash(normalised))
            & RecoveryCode.used_at.is_null()
        )
        .returning(RecoveryCode.id)
        .run()
    )
    return bool(used)


def active_secret(kind: str, row: Mapping[str, Any], keyring: Keyring) -> str:
    return totp.unseal(row["totp_cipher"], keyring.pii, purpose=totp.ACTIVE, owner_id=str(row["id"]))


async def recovery_codes_left(owner_id: uuid.UUID | str) -> int:
    left: int = await RecoveryCode.count().where((RecoveryCode.owner_id == owner_id) & RecoveryCode.used_at.is_null()).run()
    return left


async def _row(kind: str, owner_id: uuid.UUID | str) -> dict[str, Any]:
    table = table_for(kind)
    row: dict[str, Any] | None = (
        await table.select(table.id, table.totp_enabled, table.totp_cipher, table.totp_pending_cipher, table.totp_last_step)
        .where(table.id == owner_id)
        .first()
        .run()
    )
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return row


async def start(kind: str, owner_id: uuid.UUID | str, keyring: Keyring, label: str) -> TotpEnrolment:
    """Begin enrolment with a fresh secret (replacing any unconfirmed one)."""
    table = table_for(kind)
    secret = totp.new_secret()
    sealed = totp.seal(secret, keyring.pii, purpose=totp.PENDING, owner_id=str(owner_id))
    updated = await (
        table.update({table.totp_pending_cipher: sealed})
        .where((table.id == owner_id) & (table.totp_enabled == False))  # noqa: E712 - SQL comparison
        .returning(table.id)
        .run()
    )
    if not updated:
        raise ApiError(409, "totp.already_enabled", "Two-step sign-in is already on; turn it off first.")
    uri = totp.provisioning_uri(secret, label)
    return TotpEnrolment(secret=secret, provisioning_uri=uri, qr_svg=totp.qr_svg(uri))


async def pending_uri(kind: str, owner_id: uuid.UUID | str, keyring: Keyring, label: str) -> str:
    row = await _row(kind, owner_id)
    if row["totp_enabled"] or row["totp_pending_cipher"] is None:
        raise ApiError(404, "totp.not_started", "There is no two-step enrolment in progress.")
    secret = totp.unseal(row["totp_pending_cipher"], keyring.pii, purpose=totp.PENDING, owner_id=str(owner_id))
    return totp.provisioning_uri(secret, label)


async def confirm(kind: str, owner_id: uuid.UUID | str, keyring: Keyring, code: str, now: int) -> list[str]:
    """Turn TOTP on after a correct code; returns fresh recovery codes (shown this once)."""
    row = await _row(kind, owner_id)
    if row["totp_enabled"]:
        raise ApiError(409, "totp.already_enabled", "Two-step sign-in is already on.")
    pending = row["totp_pending_cipher"]
    if pending is None:
        raise ApiError(409, "totp.not_started", "Start enrolment first (POST /api/v1/me/totp).")
    secret = totp.unseal(pending, keyring.pii, purpose=totp.PENDING, owner_id=str(owner_id))
    step = totp.matching_step(secret, code, now, after_step=row["totp_last_step"])
    if step is None:
        raise ApiError(422, "totp.bad_code", "The code is wrong, expired or already used.")
    table = table_for(kind)
    async with transaction():
        won = await (
            table.update(
                {
                    table.totp_cipher: totp.seal(secret, keyring.pii, purpose=totp.ACTIVE, owner_id=str(owner_id)),
                    table.totp_pending_cipher: None,
                    table.totp_enabled: True,
                    table.totp_last_step: step,
                }
            )
            # Same secret still pending, still off, and the step not taken by a parallel request.
            .where(
                (table.id == owner_id)
                & (table.totp_enabled == False)  # noqa: E712
                & (table.totp_pending_cipher == pending)
                & (table.totp_last_step < step)
            )
            .returning(table.id)
            .run()
        )
        if not won:
            raise ApiError(409, "totp.conflict", "Enrolment changed meanwhile; start again.")
        codes = await replace_recovery_codes(owner_id, now)
        await _tell(kind, owner_id, "account.signin_method_added", now)
    return codes


async def replace_recovery_codes(owner_id: uuid.UUID | str, now: int) -> list[str]:
    """A fresh set of recovery codes in place of the old ones (which stop working); returns them
    in clear, to be shown this once. Call inside the caller's transaction."""
    codes = [totp.new_recovery_code() for _ in range(totp.RECOVERY_COUNT)]
    await RecoveryCode.delete().where(RecoveryCode.owner_id == owner_id).run()
    moment = utc(now)
    # cast: new_recovery_code() writes only what normalise_recovery_code accepts.
    hashes = [totp.recovery_hash(cast(str, totp.normalise_recovery_code(c))) for c in codes]
    await RecoveryCode.insert(*[RecoveryCode(owner_id=owner_id, code_hash=h, created_at=moment) for h in hashes]).run()
    return codes


async def _tell(kind: str, owner_id: uuid.UUID | str, event: str, now: int) -> None:
    """Tell a citizen of a change to their sign-in methods (inside the change's transaction)."""
    if kind != "citizen":
        return
    row = await Account.select(Account.person).where(Account.id == owner_id).first().run()
    if row is not None:
        await inbox.tell(row["person"], event, {"method": "totp"}, now=now)


async def disable(kind: str, owner_id: uuid.UUID | str, keyring: Keyring, code: str, now: int, store: Store, limit: int) -> None:
    """Turn TOTP off with a current code or a recovery code. Wrong codes count towards a lockout,
    so a stolen session cannot guess its way through the million codes."""
    key = throttle.account_key("totp", str(owner_id))
    await throttle.ensure_not_locked(store, key)
    row = await _row(kind, owner_id)
    if not row["totp_enabled"]:
        raise ApiError(409, "totp.not_enabled", "Two-step sign-in is not on.")
    if totp.normalise_recovery_code(code) is not None:
        ok = await consume_recovery(owner_id, code, now)
    else:
        ok = await consume_totp(kind, owner_id, active_secret(kind, row, keyring), code, now, row["totp_last_step"])
    if not ok:
        await throttle.record_failure(store, key, limit)
        raise ApiError(422, "totp.bad_code", "The code is wrong, expired or already used.")
    await throttle.reset(store, key)
    table = table_for(kind)
    async with transaction():
        await (
            table.update({table.totp_enabled: False, table.totp_cipher: None, table.totp_pending_cipher: None})
            .where(table.id == owner_id)
            .run()
        )
        # The recovery codes stand in for any second factor: they stay while a passkey does.
        if kind != "citizen" or not await Passkey.exists().where(Passkey.account == owner_id).run():
            await RecoveryCode.delete().where(RecoveryCode.owner_id == owner_id).run()
        await _tell(kind, owner_id, "account.signin_method_removed", now)


async def second_factor(
    kind: str, row: Mapping[str, Any], keyring: Keyring, now: int, *, code: str | None, recovery_code: str | None
) -> str | None:
    """For an owner with TOTP on: None when the factor is good, else the error code to answer.

    `auth.totp_required` means nothing was offered (the app should ask); that is not a failure.
    """
    if code is None and recovery_code is None:
        return "auth.totp_required"
    if code is not None:
        secret = active_secret(kind, row, keyring)
        ok = await consume_totp(kind, row["id"], secret, code, now, row["totp_last_step"])
        return None if ok else "auth.bad_totp"
    ok = await consume_recovery(row["id"], recovery_code or "", now)
    return None if ok else "auth.bad_recovery_code"

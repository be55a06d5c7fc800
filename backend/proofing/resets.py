"""Password reset, only through a proofing route: start with a document, prove the person at a
counter, through the bank or a provider, then set a new password that ends every session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any

from backend.accounts import services as accounts
from backend.audit import services as audit
from backend.identity import services as identity
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import assurance, db
from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.proofing import attempts, binding, records, vocab
from backend.proofing.records import Try
from backend.proofing.schemas import ResetDone, ResetOut, ResetStarted
from backend.proofing.tables import PasswordReset

SYSTEM = audit.Actor("system", "proofing", "", "Password reset")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _throttle(store: Store, keys: list[tuple[str, int]]) -> None:
    for key, limit in keys:
        used = await store.incr(key, vocab.WINDOW_SECONDS)
        if used > limit:
            left = await store.ttl(key)
            raise ApiError(
                429,
                vocab.THROTTLED,
                "Too many password resets started; try again later.",
                retry_after=left if left > 0 else vocab.WINDOW_SECONDS,
            )


async def start(
    keyring: Keyring,
    store: Store,
    *,
    doc_type: str,
    id_number: str,
    address: str | None,
    now: int,
    provider: bool = False,
) -> ResetStarted:
    """Open a reset for the document. The answer has the same shape whether or not an account
    exists; without one, no route can ever prove it."""
    doc = identity.check_document(doc_type, id_number)
    blind = identity.blind(keyring, doc)
    await _throttle(
        store,
        [
            (f"proofing:reset:addr:{address or 'unknown'}", vocab.RESET_STARTS_PER_ADDRESS),
            (f"proofing:reset:doc:{hashlib.sha256(blind.encode()).hexdigest()[:32]}", vocab.RESET_STARTS_PER_DOCUMENT),
        ],
    )
    person = await identity.find_person_id(keyring, doc_type, doc.number)
    account = await accounts.account_of_person(person) if person else None
    if account is None:
        person = None  # nothing to reset: the reset exists but names nobody
    token = vocab.RESET_TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = records.utc(now)
    expires = records.utc(now + vocab.RESET_SECONDS)
    row = PasswordReset(
        id=uuid.uuid4(),
        person=person,
        account=account,
        token_hash=_token_hash(token),
        status="open",
        created_at=moment,
        expires_at=expires,
    )
    async with db.transaction():
        await PasswordReset.insert(row).run()
        code = await binding.issue(
            keyring, kind=vocab.RESET_CODE, owner=row.id, account=account, person=person, reset=row.id, now=now
        )
    return ResetStarted(reset_id=row.id, reset_token=token, expires_at=expires, counter_code=code, provider=provider)


async def load(reset_id: uuid.UUID, token: str | None, now: int, *, open_only: bool = True) -> dict[str, Any]:
    """The reset, if the token is its own: 401 `reset.bad_token`, 404, 409 `reset.expired`."""
    row: dict[str, Any] | None = await PasswordReset.select().where(PasswordReset.id == reset_id).first().run()
    if row is None:
        raise ApiError(404, "reset.not_found", "No such password reset.")
    if not token or not hmac.compare_digest(row["token_hash"], _token_hash(token)):
        raise ApiError(401, "reset.bad_token", "Send this reset's token in X-Reset-Token.")
    if open_only and row["status"] in ("open", "proven") and row["expires_at"] <= records.utc(now):
        raise ApiError(409, "reset.expired", "This password reset has expired; start again.")
    return row


def view(row: dict[str, Any], now: int) -> ResetOut:
    status = row["status"]
    if status in ("open", "proven") and row["expires_at"] <= records.utc(now):
        status = "expired"
    return ResetOut(reset_id=row["id"], status=status, method=row["method"], expires_at=row["expires_at"])


async def set_password(
    keyring: Keyring, store: Store, reset_id: uuid.UUID, token: str | None, password: str, now: int
) -> ResetDone:
    """After a proofing route proved the person: the new password, every session ended, the
    proof recorded on the account, the e-card activated, the holder told."""
    row = await load(reset_id, token, now)
    if row["status"] == "done":
        raise ApiError(409, "reset.done", "This password reset was completed already.")
    if row["status"] != "proven" or row["account"] is None:
        raise ApiError(409, "reset.not_proven", "Prove who you are first: at a counter, through your bank or a provider.")
    account, person, method, level = row["account"], row["person"], row["method"], row["level"]
    hashed = await accounts.new_password_hash(keyring, account, password)  # 422 password.*; slow, so outside
    async with db.transaction():
        finished = await (
            PasswordReset.update({PasswordReset.status: "done", PasswordReset.done_at: records.utc(now)})
            .where((PasswordReset.id == reset_id) & (PasswordReset.status == "proven"))
            .returning(PasswordReset.id)
            .run()
        )
        if not finished:
            raise ApiError(409, "reset.done", "This password reset was completed already.")
        revoked = await accounts.take_back(account, hashed, now)
        await accounts.record_proof(account, level=level or assurance.level_of(method), method=method, now=now)
        attempt = Try(method=method, actor=SYSTEM, purpose=vocab.RESET, account=account, person=person, reset=reset_id)
        await attempts.activate(person, level=level, method=method, actor=attempts.card_actor(attempt), now=now)
        await inbox.tell(person, "account.password_reset", {"method": method, "sessions_ended": revoked}, now=now)
    return ResetDone(revoked_sessions=revoked)

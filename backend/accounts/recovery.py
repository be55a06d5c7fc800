"""Taking an account back after a proofing route proved its person (docs/proofing.md, password
reset): a new password, every session ended, every sign-in factor someone else may have added
removed. Proofing decides who may; this only does it."""

from __future__ import annotations

import uuid

from backend.accounts import passwords, sessions
from backend.accounts.sessions import utc
from backend.accounts.tables import Account, Passkey, RecoveryCode, Session
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.auth import CITIZEN
from backend.lib.errors import ApiError


async def account_of_person(person_id: uuid.UUID | str) -> uuid.UUID | None:
    """The account bound to this person, if any (there is at most one)."""
    row = await Account.select(Account.id).where(Account.person == person_id).first().run()
    return row["id"] if row else None


async def session_label(session_id: uuid.UUID | str) -> str:
    """The phone or browser a session is on, as the holder named it (or as its user agent says)."""
    row = await Session.select(Session.client_label).where(Session.id == session_id).first().run()
    return str(row["client_label"]) if row else ""


async def new_password_hash(keyring: Keyring, account_id: uuid.UUID | str, password: str) -> str:
    """The password policy (422 `password.*`) for this account's person, then the slow hash:
    call it before the transaction that sets it."""
    row = await Account.select(Account.person).where(Account.id == account_id).first().run()
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    person = await identity.get_person(row["person"])
    passwords.check_policy(password, id_number=identity.reveal_number(keyring, person))
    return await passwords.hash_password(password)


async def take_back(account_id: uuid.UUID | str, password_hash: str, now: int) -> int:
    """Set the password, end every session, remove TOTP, recovery codes and passkeys: whoever
    held the account before the reset is out. Returns how many sessions ended. Joins the
    caller's transaction."""
    moment = utc(now)
    await (
        Account.update(
            {
                Account.password_hash: password_hash,
                Account.password_changed_at: moment,
                Account.totp_cipher: None,
                Account.totp_pending_cipher: None,
                Account.totp_enabled: False,
                Account.totp_last_step: 0,
            }
        )
        .where(Account.id == account_id)
        .run()
    )
    await RecoveryCode.delete().where(RecoveryCode.owner_id == account_id).run()
    await Passkey.delete().where(Passkey.account == account_id).run()
    return await sessions.revoke_all(CITIZEN, account_id, now)

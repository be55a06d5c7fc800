"""Citizen accounts: registration, sign-in and the account view (identity number masked)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec

from backend.accounts import factors, passwords, proofs, sessions, signin, throttle, totp
from backend.accounts.common import device_label
from backend.accounts.schemas import AccountView, AuthenticationCredential, LoginResponse
from backend.accounts.sessions import utc
from backend.accounts.tables import Account
from backend.identity import documents
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import assurance
from backend.lib.db import is_unique_violation, transaction
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

_EXISTS = ("account.exists", "This person already has an account; sign in instead.")


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ApiError(422, "account.bad_name", "Enter the name as on the identity document.")
    return cleaned


async def register(
    keyring: Keyring,
    *,
    doc_type: str,
    id_number: str,
    name: str,
    password: str,
    now: int,
    linked_document: tuple[str, str] | None = None,
    work_permit: str | None = None,
) -> AccountView:
    """Create an account for the person holding this document (creating the person if new). A
    residence permit comes with the travel permit it prints, a foreign passport with the work
    permit number (identity.check_presented); any document of a person finds that person."""
    presented = identity.check_presented(doc_type, id_number, linked=linked_document, work_permit=work_permit)
    doc = presented.doc
    passwords.check_policy(password, id_number=doc.number)
    name = _clean_name(name)
    for known in filter(None, (doc, presented.linked)):
        person_id = await identity.find_by_blind(identity.blind(keyring, known))
        if person_id is not None and await Account.exists().where(Account.person == person_id).run():
            raise ApiError(409, *_EXISTS)
    hashed = await passwords.hash_password(password)  # slow: done before taking the write lock
    return await _insert(keyring, doc, name, hashed, now, presented=presented)


async def _insert(
    keyring: Keyring,
    doc: documents.Document,
    name: str,
    hashed: str,
    now: int,
    totp_secret: str | None = None,
    presented: identity.Presented | None = None,
) -> AccountView:
    moment = utc(now)
    account_id = uuid.uuid4()
    try:
        async with transaction():
            person_id = await identity.register_presented(keyring, presented or identity.Presented(doc), name)
            if await Account.exists().where(Account.person == person_id).run():
                raise ApiError(409, *_EXISTS)
            account = Account(
                id=account_id, person=person_id, password_hash=hashed, created_at=moment, password_changed_at=moment
            )
            if totp_secret is not None:
                account.totp_cipher = totp.seal(totp_secret, keyring.pii, purpose=totp.ACTIVE, owner_id=str(account_id))
                account.totp_enabled = True
            await account.save().run()
    except ApiError:
        raise
    except Exception as exc:
        if is_unique_violation(exc):  # a parallel registration for the same person won
            raise ApiError(409, *_EXISTS) from None
        raise
    return await account_view(keyring, account_id)


async def _load(*, account_id: uuid.UUID | str | None = None, blind: str | None = None) -> dict[str, Any] | None:
    """The account joined with its person's name and sealed number, by id or by blind index."""
    query = Account.select(
        *Account.all_columns(),
        Account.person.name.as_alias("name"),
        Account.person.doc_type.as_alias("doc_type"),
        Account.person.id_cipher.as_alias("id_cipher"),
        Account.person.id_blind.as_alias("id_blind"),
    )
    if account_id is not None:
        query = query.where(Account.id == account_id)
    else:  # any of the person's documents finds their account
        person_id = await identity.find_by_blind(blind) if blind else None
        if person_id is None:
            return None
        query = query.where(Account.person == person_id)
    row: dict[str, Any] | None = await query.first().run()
    return row


async def account_view(keyring: Keyring, account_id: uuid.UUID | str, row: dict[str, Any] | None = None) -> AccountView:
    row = row or await _load(account_id=account_id)
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return AccountView(
        id=row["id"],
        person_id=row["person"],
        name=row["name"],
        doc_type=row["doc_type"],
        id_number_masked=identity.masked_number(keyring, row),
        totp_enabled=row["totp_enabled"],
        recovery_codes_left=await factors.recovery_codes_left(row["id"]),  # none without a second factor
        created_at=row["created_at"],
        assurance=row["assurance"] or 0,
        proven_method=row["proven_method"] or "",
        proven_at=row["proven_at"],
    )


async def load_for_password(account_id: str) -> tuple[dict[str, Any], str]:
    """(row, throttle key) for a password check by the signed-in holder."""
    row = await _load(account_id=account_id)
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return row, throttle.account_key("citizen", row["id_blind"])


async def login(
    keyring: Keyring,
    store: Store,
    settings: Settings,
    *,
    doc_type: str,
    id_number: str,
    password: str,
    totp_code: str | None,
    recovery_code: str | None,
    client_label: str | None,
    user_agent: str,
    address: str | None,
    now: int,
    passkey: AuthenticationCredential | None = None,
) -> LoginResponse:
    doc = identity.check_document(doc_type, id_number)
    index = identity.blind(keyring, doc)

    async def load() -> dict[str, Any] | None:
        return await _load(blind=index)

    row = await signin.sign_in(
        "citizen",
        throttle.account_key("citizen", index),
        load,
        password=password,
        totp_code=totp_code,
        recovery_code=recovery_code,
        keyring=keyring,
        store=store,
        settings=settings,
        address=address,
        now=now,
        passkey=passkey,
    )
    token, session = await sessions.create(
        kind="citizen",
        owner_id=row["id"],
        now=now,
        user_agent=user_agent,
        client_label=device_label(user_agent, client_label),
    )
    return LoginResponse(
        token=token,
        session_id=session["id"],
        expires_at=session["expires_at"],
        idle_timeout_seconds=sessions.IDLE_SECONDS,
        account=await account_view(keyring, row["id"], row),
    )


async def totp_label(keyring: Keyring, account_id: str) -> str:
    """Label in the authenticator app: the masked number, never the number itself."""
    row = await _load(account_id=account_id)
    if row is None:
        raise ApiError(404, "account.not_found", "This account no longer exists.")
    return identity.masked_number(keyring, row)


async def create_citizen_account(
    keyring: Keyring,
    *,
    doc_type: str,
    id_number: str,
    name: str,
    password: str,
    totp_secret: str | None = None,
    proven: str | None = assurance.COUNTER,
    now: int | None = None,
) -> dict[str, Any]:
    """For the demo seeder and tests: an account, optionally with TOTP already on (given secret).
    It stands for a person who opened their account at a counter, so it is proven there unless
    `proven` says another method or None (not proven). A dict with the fields of AccountView,
    because seeders and tests of other features index it."""
    now = int(time.time()) if now is None else now
    doc = identity.check_document(doc_type, id_number)
    passwords.check_policy(password, id_number=doc.number)
    if totp_secret is not None and not totp.is_valid_secret(totp_secret):
        raise ApiError(422, "totp.bad_secret", "The TOTP secret must be base32 with at least 80 bits.")
    hashed = await passwords.hash_password(password)
    view = await _insert(keyring, doc, _clean_name(name), hashed, now, totp_secret.upper() if totp_secret else None)
    if proven is not None:
        await proofs.record_proof(view.id, level=assurance.level_of(proven), method=proven, now=now)
        view = await account_view(keyring, view.id)
    return msgspec.structs.asdict(view)

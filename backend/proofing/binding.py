"""Proofing at a counter: one-time binding codes between a wallet and a clerk who checked the
document in person, in either direction, and the reset codes of password resets."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any

from backend.accounts import services as accounts
from backend.audit import services as audit
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.proofing import attempts, records, vocab
from backend.proofing.records import Try, as_uuid
from backend.proofing.schemas import AttemptOut, CodeOut, CounterBound
from backend.proofing.tables import ProofingCode


def new_code() -> str:
    return "".join(secrets.choice(vocab.CODE_ALPHABET) for _ in range(vocab.CODE_LENGTH))


def normalise(text: str) -> str:
    """What was typed or scanned, as stored: upper case, hyphens and spaces dropped."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    return cleaned.removeprefix(vocab.QR_PREFIX)


def code_hash(keyring: Keyring, code: str) -> str:
    """Keyed, so a copy of the table does not give the codes away to 31**8 cheap guesses."""
    return hmac.new(keyring.blind, b"proofing.code:" + code.encode(), hashlib.sha256).hexdigest()


def code_out(code: str, expires_at: dt.datetime) -> CodeOut:
    return CodeOut(code=f"{code[:4]}-{code[4:]}", qr_text=vocab.QR_PREFIX + code, expires_at=expires_at)


async def issue(
    keyring: Keyring,
    *,
    kind: str,
    owner: uuid.UUID,
    now: int,
    account: uuid.UUID | None = None,
    person: uuid.UUID | None = None,
    reset: uuid.UUID | None = None,
    session: uuid.UUID | None = None,
    device_label: str = "",
    staff: uuid.UUID | None = None,
    office: uuid.UUID | None = None,
) -> CodeOut:
    """A new open code for `owner` (an account or a reset), replacing the one it had. Joins the
    caller's transaction when one is open."""
    moment = records.utc(now)
    expires = records.utc(now + vocab.CODE_SECONDS)
    code = new_code()

    async def write() -> None:
        await ProofingCode.update({ProofingCode.open_owner: None}).where(ProofingCode.open_owner == owner).run()
        await ProofingCode.insert(
            ProofingCode(
                id=uuid.uuid4(),
                code_hash=code_hash(keyring, code),
                kind=kind,
                account=account,
                person=person,
                reset=reset,
                open_owner=owner,
                session=session,
                device_label=device_label[:64],
                staff=staff,
                office=office,
                created_at=moment,
                expires_at=expires,
            )
        ).run()

    if db.in_transaction():
        await write()
    else:
        async with db.transaction():
            await write()
    return code_out(code, expires)


async def _label(principal: Principal, given: str | None) -> str:
    if given:
        return " ".join(given.split())
    return await accounts.session_label(principal.session_id) if principal.session_id else ""


async def wallet_code(keyring: Keyring, principal: Principal, device_label: str | None, now: int) -> CodeOut:
    """(a) The wallet's code for the clerk to type or scan."""
    account = uuid.UUID(principal.id)
    return await issue(
        keyring,
        kind=vocab.WALLET_CODE,
        owner=account,
        account=account,
        person=as_uuid(principal.person_id),
        session=as_uuid(principal.session_id),
        device_label=await _label(principal, device_label),
        now=now,
    )


async def _open_code(keyring: Keyring, code: str, kinds: tuple[str, ...], now: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await (
        ProofingCode.select()
        .where(
            (ProofingCode.code_hash == code_hash(keyring, normalise(code)))
            & ProofingCode.open_owner.is_not_null()
            & ProofingCode.used_at.is_null()
            & (ProofingCode.expires_at > records.utc(now))
        )
        .where(ProofingCode.kind.is_in(list(kinds)))
        .first()
        .run()
    )
    return row


async def _use(row: dict[str, Any], now: int) -> None:
    """Use the code up (inside the deciding transaction); a race lost means it was used."""
    used = await (
        ProofingCode.update({ProofingCode.used_at: records.utc(now), ProofingCode.open_owner: None})
        .where((ProofingCode.id == row["id"]) & ProofingCode.used_at.is_null())
        .returning(ProofingCode.id)
        .run()
    )
    if not used:
        raise ApiError(404, vocab.CODE_UNKNOWN, "No open code matches: it is unknown, used, replaced or expired.")


def _staff_try(actor: audit.Actor, principal: Principal) -> Try:
    return Try(method=vocab.COUNTER, actor=actor, staff=uuid.UUID(principal.id), office=as_uuid(principal.office_id))


async def counter_bind(
    keyring: Keyring, store: Store, principal: Principal, *, code: str, doc_type: str, id_number: str, now: int
) -> CounterBound:
    """(a) The clerk checked the document in person and submits the wallet's (or a reset's) code
    with it. The code's person must be the document's person."""
    doc = identity.check_document(doc_type, id_number)  # 422: nothing to record against
    person = await identity.find_person_id(keyring, doc_type, doc.number)
    actor = await audit.actor_of(principal)
    async with attempts.attempting(store, _staff_try(actor, principal).about(person=person), now) as at:
        if person is None:
            raise ApiError(404, vocab.NO_PERSON, "Nobody is registered with this document.")
        row = await _open_code(keyring, code, (vocab.WALLET_CODE, vocab.RESET_CODE), now)
        if row is None:
            raise ApiError(404, vocab.CODE_UNKNOWN, "No open code matches: it is unknown, used, replaced or expired.")
        purpose = vocab.RESET if row["kind"] == vocab.RESET_CODE else vocab.BIND
        at.learn(
            account=row["account"],
            purpose=purpose,
            reset=row["reset"],
            ref=row["id"],
            session=row["session"],
            device_label=row["device_label"],
        )
        await at.check(*at.scopes())
        if row["person"] != person:
            at.learn(also=(row["person"],) if row["person"] else ())
            raise ApiError(
                409, vocab.PERSON_MISMATCH, "This code belongs to an account of another person than the document's holder."
            )
        async with db.transaction():
            await _use(row, now)
            outcome = await attempts.prove(at, method=vocab.COUNTER)
    holder = await identity.get_person(person)
    return CounterBound(
        attempt=outcome,
        purpose=purpose,  # type: ignore[arg-type]  # bind or reset
        holder_name_masked=identity.masked_name(holder["name"]),
        id_number_masked=identity.masked_number(keyring, holder),
        device_label=row["device_label"],
    )


async def counter_code(keyring: Keyring, principal: Principal, *, doc_type: str, id_number: str, now: int) -> CodeOut:
    """(b) The clerk checked the document and makes a code for its person's wallet to type."""
    doc = identity.check_document(doc_type, id_number)
    person = await identity.find_person_id(keyring, doc_type, doc.number)
    if person is None:
        raise ApiError(404, vocab.NO_PERSON, "Nobody is registered with this document.")
    account = await accounts.account_of_person(person)
    if account is None:
        raise ApiError(404, "proofing.no_account", "This person has no account yet: register in the wallet first.")
    return await issue(
        keyring,
        kind=vocab.COUNTER_CODE,
        owner=uuid.uuid5(account, "counter"),  # one open counter-made code per account, apart from the wallet's
        account=account,
        person=person,
        staff=uuid.UUID(principal.id),
        office=as_uuid(principal.office_id),
        now=now,
    )


async def claim(
    keyring: Keyring, store: Store, principal: Principal, *, code: str, device_label: str | None, now: int
) -> AttemptOut:
    """(b) The wallet types or scans the code the counter made: it must be for this account's person."""
    account = uuid.UUID(principal.id)
    person = as_uuid(principal.person_id)
    actor = audit.Actor("system", str(account), "", "Wallet account (proofing)")
    label = await _label(principal, device_label)
    attempt = Try(
        method=vocab.COUNTER,
        actor=actor,
        account=account,
        person=person,
        session=as_uuid(principal.session_id),
        device_label=label,
    )
    async with attempts.attempting(store, attempt, now) as at:
        row = await _open_code(keyring, code, (vocab.COUNTER_CODE,), now)
        if row is None:
            raise ApiError(404, vocab.CODE_UNKNOWN, "No open code matches: it is unknown, used, replaced or expired.")
        at.learn(ref=row["id"])
        if row["person"] != person:
            at.learn(also=(row["person"],))
            raise ApiError(409, vocab.PERSON_MISMATCH, "This code was made for another person's document.")
        # The clerk who checked the document is who proved the person: the record names them.
        at.learn(staff=row["staff"], office=row["office"])
        async with db.transaction():
            await _use(row, now)
            return await attempts.prove(at, method=vocab.COUNTER)
    raise AssertionError("attempting() re-raises every refusal")

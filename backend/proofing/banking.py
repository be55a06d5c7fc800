"""Proofing through the cooperating bank: the wallet shows a number, the card's holder approves
it in the bank's app, and the bank (a `bank` machine client) sends a signed answer.

The answer is Ed25519 by one of the bank's registered answer keys over the canonical JSON of
{purpose, challenge_id, card_number, decision, signed_at} (docs/proofing.md)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from backend.audit import services as audit
from backend.cards.tables import Card
from backend.lib import db, ed25519
from backend.lib.auth import Principal
from backend.lib.canonical import canonical_json
from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.org.tables import Bank
from backend.proofing import attempts, records, vocab
from backend.proofing.records import Try, as_uuid
from backend.proofing.schemas import BankAnswer, BankKeyOut, BankLookupOut, ChallengeOut, SignWhat
from backend.proofing.tables import BankAnswerKey, BankChallenge

ACTIVE = "active"


def mask_card_number(number: str) -> str:
    """A12345678 -> A*****678 (as the card's own views mask it)."""
    return number[:1] + "*" * (len(number) - 4) + number[-3:] if len(number) > 4 else "*" * len(number)


@dataclass(frozen=True)
class BankCard:
    """A card as the bank route needs it: its number, state and bank."""

    id: uuid.UUID
    person: uuid.UUID
    number: str
    state: str
    bank: uuid.UUID
    bank_name: str


def _card(row: dict[str, Any]) -> BankCard:
    return BankCard(
        id=row["id"],
        person=row["person"],
        number=row["number"],
        state=row["state"],
        bank=row["bank"],
        bank_name=row["bank_name"],
    )


def _cards() -> Any:
    return Card.select(Card.id, Card.person, Card.number, Card.state, Card.bank, Card.bank.name.as_alias("bank_name"))


async def active_card(person: uuid.UUID | None) -> BankCard | None:
    """The person's live card if it is active (a card at loss or suspended cannot vouch)."""
    if person is None:
        return None
    row = await _cards().where(Card.active_person == person).first().run()
    return _card(row) if row and row["state"] == ACTIVE else None


async def _card_by_number(number: str) -> BankCard | None:
    row = await _cards().where(Card.number == number).first().run()
    return _card(row) if row else None


# --- the banks' answer keys (provincial operators) -----------------------------------------


key_id = ed25519.key_id


def parse_key(text: str) -> bytes:
    raw = ed25519.public_from_b64url(text)
    if raw is None:
        raise ApiError(422, "proofing.bad_public_key", "The public key must be a 32-byte Ed25519 key in base64url.")
    return raw


def _key_out(row: dict[str, Any], bank_code: str) -> BankKeyOut:
    return BankKeyOut(
        id=row["id"],
        bank_code=bank_code,
        key_id=row["key_id"],
        status=row["status"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def _bank_by_code(code: str) -> dict[str, Any]:
    row: dict[str, Any] | None = await Bank.select(Bank.id, Bank.code, Bank.name).where(Bank.code == code).first().run()
    if row is None:
        raise ApiError(404, "bank.not_found", "No cooperating bank has this code.", bank_code=code)
    return row


async def register_key(principal: Principal, *, bank_code: str, public_key: str, now: int) -> BankKeyOut:
    raw = parse_key(public_key)
    bank = await _bank_by_code(bank_code)
    kid = key_id(raw)
    row = BankAnswerKey(
        id=uuid.uuid4(),
        bank=bank["id"],
        public_key=raw,
        key_id=kid,
        status="active",
        created_by=principal.id,
        created_at=records.utc(now),
    )
    try:
        await BankAnswerKey.insert(row).run()
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ApiError(409, "proofing.key_exists", "This key is registered already.", key_id=kid) from None
        raise
    return _key_out(row.to_dict(), bank["code"])


async def list_keys(bank_code: str | None) -> list[BankKeyOut]:
    query = BankAnswerKey.select(*BankAnswerKey.all_columns()).order_by(BankAnswerKey.created_at, ascending=False)
    if bank_code is not None:
        query = query.where(BankAnswerKey.bank == (await _bank_by_code(bank_code))["id"])
    rows = await query.run()
    codes = {r["id"]: r["code"] for r in await Bank.select(Bank.id, Bank.code).run()}
    return [_key_out(r, codes.get(r["bank"], "")) for r in rows]


async def revoke_key(key: uuid.UUID, now: int) -> BankKeyOut:
    await (
        BankAnswerKey.update({BankAnswerKey.status: "revoked", BankAnswerKey.revoked_at: records.utc(now)})
        .where((BankAnswerKey.id == key) & (BankAnswerKey.status == "active"))
        .run()
    )
    row = await BankAnswerKey.select().where(BankAnswerKey.id == key).first().run()
    if row is None:
        raise ApiError(404, "proofing.key_not_found", "No bank answer key has this id.")
    bank = await Bank.select(Bank.code).where(Bank.id == row["bank"]).first().run()
    return _key_out(row, bank["code"] if bank else "")


async def _keys_of(bank: uuid.UUID) -> list[bytes]:
    rows = await (
        BankAnswerKey.select(BankAnswerKey.public_key)
        .where((BankAnswerKey.bank == bank) & (BankAnswerKey.status == "active"))
        .run()
    )
    return [bytes(r["public_key"]) for r in rows]


# --- the wallet's side ---------------------------------------------------------------------


def _challenge_out(row: dict[str, Any], bank_name: str, now: int) -> ChallengeOut:
    status = row["status"]
    if status == "pending" and row["expires_at"] <= records.utc(now):
        status = "expired"
    return ChallengeOut(
        challenge_id=row["id"],
        number=row["number"],
        bank_name=bank_name,
        card_number_masked=mask_card_number(row["card_number"]),
        expires_at=row["expires_at"],
        status=status,
        reason=row["reason"],
    )


async def start(
    *,
    owner: uuid.UUID,
    account: uuid.UUID | None,
    person: uuid.UUID | None,
    reset: uuid.UUID | None = None,
    session: uuid.UUID | None = None,
    now: int,
) -> ChallengeOut:
    """A new challenge for the person's active card, replacing the owner's open one."""
    card = await active_card(person)
    if card is None or person is None:
        raise ApiError(409, "proofing.no_card", "The bank route needs an active card; use a counter or a provider.")
    if not await _keys_of(card.bank):
        raise ApiError(409, "proofing.bank_unavailable", f"{card.bank_name} does not confirm challenges yet.")
    moment = records.utc(now)
    row = BankChallenge(
        id=uuid.uuid4(),
        account=account,
        person=person,
        reset=reset,
        card=card.id,
        card_number=card.number,
        bank=card.bank,
        number=f"{secrets.randbelow(10**vocab.CHALLENGE_DIGITS):0{vocab.CHALLENGE_DIGITS}d}",
        open_owner=owner,
        session=session,
        status="pending",
        created_at=moment,
        expires_at=records.utc(now + vocab.CHALLENGE_SECONDS),
    )
    async with db.transaction():
        await BankChallenge.update({BankChallenge.open_owner: None}).where(BankChallenge.open_owner == owner).run()
        await BankChallenge.insert(row).run()
    return _challenge_out(row.to_dict(), card.bank_name, now)


async def status(
    challenge_id: uuid.UUID, *, account: uuid.UUID | None = None, reset: uuid.UUID | None = None, now: int
) -> ChallengeOut:
    """The challenge of this account (or reset), for the wallet to poll."""
    query = BankChallenge.select().where(BankChallenge.id == challenge_id)
    query = query.where(BankChallenge.account == account) if reset is None else query.where(BankChallenge.reset == reset)
    row = await query.first().run()
    if row is None:
        raise ApiError(404, vocab.CHALLENGE_UNKNOWN, "No such challenge.")
    bank = await Bank.select(Bank.name).where(Bank.id == row["bank"]).first().run()
    return _challenge_out(row, bank["name"] if bank else "", now)


# --- the bank's side -----------------------------------------------------------------------


async def _bank_try(principal: Principal) -> Try:
    bank = as_uuid(principal.org_id)
    row = await Bank.select(Bank.name).where(Bank.id == bank).first().run()
    actor = audit.Actor("bank", principal.id, principal.org_id or "", row["name"] if row else "")
    return Try(method=vocab.BANK, actor=actor, bank=bank, client=uuid.UUID(principal.id))


async def lookup(store: Store, principal: Principal, *, card_number: str, number: str, now: int) -> BankLookupOut:
    """The customer typed the wallet's number in the bank's app: which challenge it is. Every
    miss counts as a guess (per bank client and per card's person)."""
    async with attempts.attempting(store, await _bank_try(principal), now) as at:
        card = await _card_by_number(card_number)
        if card is None:
            raise ApiError(404, vocab.CHALLENGE_UNKNOWN, "No open challenge with this number for this card.")
        at.learn(person=card.person)
        await at.check(("person", card.person))
        if card.bank != at.attempt.bank:
            raise ApiError(403, vocab.WRONG_BANK, "This card's account is at another bank.")
        row = await (
            BankChallenge.select(BankChallenge.id, BankChallenge.expires_at, BankChallenge.account, BankChallenge.reset)
            .where(
                (BankChallenge.card == card.id)
                & (BankChallenge.number == number)
                & (BankChallenge.status == "pending")
                & BankChallenge.open_owner.is_not_null()
                & (BankChallenge.expires_at > records.utc(now))
            )
            .first()
            .run()
        )
        if row is None:
            raise ApiError(404, vocab.CHALLENGE_UNKNOWN, "No open challenge with this number for this card.")
        return BankLookupOut(
            challenge_id=row["id"],
            expires_at=row["expires_at"],
            sign=SignWhat(purpose=vocab.ANSWER_PURPOSE, challenge_id=row["id"], card_number=card.number),
        )
    raise AssertionError("attempting() re-raises every refusal")


def signed_bytes(challenge_id: uuid.UUID | str, card_number: str, decision: str, signed_at: str) -> bytes:
    """What the bank signs (docs/proofing.md): the canonical JSON of the answer and its purpose."""
    return canonical_json(
        {
            "purpose": vocab.ANSWER_PURPOSE,
            "challenge_id": str(challenge_id),
            "card_number": card_number,
            "decision": decision,
            "signed_at": signed_at,
        }
    )


def _signature(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


async def answer(store: Store, principal: Principal, data: BankAnswer, now: int) -> ChallengeOut:
    """The bank's signed answer: approved proves the person (REMOTE, bank); refused is recorded."""
    async with attempts.attempting(store, (await _bank_try(principal)).about(ref=data.challenge_id), now) as at:
        row = await BankChallenge.select().where(BankChallenge.id == data.challenge_id).first().run()
        if row is None:
            raise ApiError(404, vocab.CHALLENGE_UNKNOWN, "No such challenge.")
        at.learn_from(row)
        await at.check(("person", row["person"]))
        if row["bank"] != at.attempt.bank:
            raise ApiError(403, vocab.WRONG_BANK, "This challenge is for a card at another bank.")
        if data.card_number != row["card_number"]:
            raise ApiError(422, vocab.CARD_MISMATCH, "This is not the challenge's card.")
        message = signed_bytes(data.challenge_id, data.card_number, data.decision, data.signed_at)
        signature = _signature(data.signature)
        keys = await _keys_of(row["bank"])
        if len(signature) != 64 or not any(ed25519.verify(key, message, signature) for key in keys):
            raise ApiError(422, vocab.BAD_SIGNATURE, "The answer's signature does not verify with the bank's keys.")
        signed_at = dt.datetime.strptime(data.signed_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if abs(signed_at.timestamp() - now) > vocab.ANSWER_SKEW_SECONDS:
            raise ApiError(422, vocab.STALE_ANSWER, "The answer was signed too far from now.")
        if row["status"] != "pending" or row["open_owner"] is None:
            raise ApiError(409, vocab.CHALLENGE_USED, "This challenge was answered already or replaced.")
        moment = records.utc(now)
        if row["expires_at"] <= moment:
            raise ApiError(409, vocab.CHALLENGE_EXPIRED, "This challenge has expired; the holder must start again.")
        approved = data.decision == "approved"
        async with db.transaction():
            decided = await (
                BankChallenge.update(
                    {
                        BankChallenge.status: "proven" if approved else "refused",
                        BankChallenge.reason: "" if approved else vocab.BANK_REFUSED,
                        BankChallenge.decided_at: moment,
                        BankChallenge.open_owner: None,
                        BankChallenge.signature: data.signature,
                    }
                )
                .where((BankChallenge.id == row["id"]) & (BankChallenge.status == "pending"))
                .returning(BankChallenge.id)
                .run()
            )
            if not decided:
                raise ApiError(409, vocab.CHALLENGE_USED, "This challenge was answered already.")
            if approved:
                await attempts.prove(at, method=vocab.BANK)
            else:
                await attempts.refused(at, vocab.BANK_REFUSED)
        return await status(row["id"], account=row["account"], reset=row["reset"], now=now)
    raise AssertionError("attempting() re-raises every refusal")

"""One proofing attempt from start to outcome: throttled, every refusal recorded, and what a
proof does (the account's assurance, the e-card, the holder told)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

from backend.accounts import services as accounts
from backend.cards import services as cards
from backend.inbox import services as inbox
from backend.lib import assurance
from backend.lib.errors import ApiError
from backend.lib.store import Store
from backend.proofing import limits, records, vocab
from backend.proofing.records import Try
from backend.proofing.schemas import AttemptOut
from backend.proofing.tables import PasswordReset

ACTIVE = "active"  # the card state in which an e-card can be issued


class Attempting:
    """The attempt under way: what is known of it so far, grown as the route learns it."""

    def __init__(self, store: Store, attempt: Try, now: int) -> None:
        self.store = store
        self.attempt = attempt
        self.now = now

    def learn(self, **changes: object) -> None:
        self.attempt = self.attempt.about(**changes)

    def learn_from(self, row: dict[str, Any]) -> None:
        """What a challenge or provider session row says of whom and why the attempt is."""
        self.learn(
            person=row["person"],
            account=row["account"],
            reset=row["reset"],
            purpose=vocab.RESET if row["reset"] else vocab.BIND,
            session=row["session"],
        )

    async def check(self, *scopes: limits.Scope) -> None:
        """429 when one of these is locked out (the refusal is recorded by `attempting`)."""
        await limits.check(self.store, list(scopes), self.now)

    def refuse(self, status: int, code: str, message: str, **details: object) -> NoReturn:
        raise ApiError(status, code, message, **details)

    def scopes(self) -> list[limits.Scope]:
        a = self.attempt
        # A reset is not the account acting: a lock the account earned (an impostor's guesses)
        # must not keep its real person from taking it back.
        account = a.account if a.purpose == vocab.BIND else None
        scopes: list[limits.Scope] = [("account", account), ("staff", a.staff), ("client", a.client), ("person", a.person)]
        scopes += [("person", p) for p in a.also]
        return scopes


@asynccontextmanager
async def attempting(store: Store, attempt: Try, now: int) -> AsyncIterator[Attempting]:
    """Run one attempt: the known scopes are checked for a lockout first, and any ApiError
    raised inside (a refusal) is written as a refused attempt, counted, and raised on."""
    at = Attempting(store, attempt, now)
    try:
        await at.check(*at.scopes())
        yield at
    except ApiError as exc:
        reason = exc.code
        await records.write(at.attempt, outcome=vocab.REFUSED, reason=reason, now=now)
        counted = [(scope, owner) for scope, owner in at.scopes() if reason in vocab.COUNTED[scope]]
        await limits.count(store, counted)
        raise


async def refused(at: Attempting, reason: str) -> AttemptOut:
    """A refusal that is an answer, not an error (the holder said no at the bank, the face did
    not match): written and counted like any refusal. Call inside the deciding transaction."""
    out = await records.write(at.attempt, outcome=vocab.REFUSED, reason=reason, now=at.now)
    counted = [(scope, owner) for scope, owner in at.scopes() if reason in vocab.COUNTED[scope]]
    await limits.count(at.store, counted)
    return out


def card_actor(attempt: Try) -> cards.Actor:
    """Who activates the e-card, as the card's history says it."""
    if attempt.staff is not None:
        return cards.Actor(kind="staff", id=str(attempt.staff), channel="counter", office_id=attempt.office)
    return cards.Actor(kind="citizen", id=str(attempt.account or "system"), channel="mobile")


async def activate(person: uuid.UUID, *, level: int, method: str, actor: cards.Actor, now: int) -> bool:
    """Issue the e-card of the person's active card with this proof, or record the proof on it
    when it is at least as strong as the one it has. False when there is no active card."""
    subject = await cards.card_for_person(person, records.utc(now))
    if subject is None or subject.state != ACTIVE:
        return False
    if subject.ecard_level and level < subject.assurance:
        return True  # proven more strongly before: the e-card keeps the stronger proof
    await cards.activate_ecard(person, level=level, method=method, actor=actor, now=now)
    await inbox.tell(person, "ecard.activated", {"level": level, "method": method}, now=now)
    return True


async def bind(at: Attempting, *, method: str) -> AttemptOut:
    """The account of this attempt is proven to be its person by `method`: record the proof
    (never lowering one made before), activate the e-card, write the attempt. Call inside the
    transaction that used up the code, challenge or session."""
    attempt = at.attempt
    assert attempt.account is not None and attempt.person is not None
    level = assurance.level_of(method)
    before = await accounts.proof_of(attempt.account)
    if level >= before.level:
        await accounts.record_proof(attempt.account, level=level, method=method, now=at.now)
    ecard = await activate(attempt.person, level=level, method=method, actor=card_actor(attempt), now=at.now)
    return await records.write(attempt, outcome=vocab.PROVEN, level=max(level, before.level), ecard=ecard, now=at.now)


async def prove(at: Attempting, *, method: str) -> AttemptOut:
    """The route proved the person: bind the account, or mark the password reset proven (its
    account's proof is recorded when the new password is set). Call inside the deciding
    transaction."""
    if at.attempt.purpose != vocab.RESET:
        return await bind(at, method=method)
    level = assurance.level_of(method)
    moment = records.utc(at.now)
    changed = await (
        PasswordReset.update(
            {
                PasswordReset.status: "proven",
                PasswordReset.method: method,
                PasswordReset.level: level,
                PasswordReset.proven_at: moment,
            }
        )
        .where((PasswordReset.id == at.attempt.reset) & (PasswordReset.status == "open") & (PasswordReset.expires_at > moment))
        .returning(PasswordReset.id)
        .run()
    )
    if not changed:
        raise ApiError(409, "reset.not_open", "This password reset is over or no longer open.")
    return await records.write(at.attempt, outcome=vocab.PROVEN, level=level, now=at.now)

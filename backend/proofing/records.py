"""Proofing's own rows at the lowest level: one attempt written as a row, on the holder's access
record and in the holder's inbox; refusals counted for throttling."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from backend.audit import services as audit
from backend.inbox import services as inbox
from backend.lib import db
from backend.proofing import vocab
from backend.proofing.schemas import AttemptOut
from backend.proofing.tables import ProofingAttempt

_ACTIONS = {vocab.COUNTER: "proofing.counter", vocab.BANK: "proofing.bank", vocab.PROVIDER: "proofing.provider"}
_FIELDS = {
    vocab.COUNTER: ["identity.document", "identity.proof"],
    vocab.BANK: ["card.number", "identity.proof"],
    vocab.PROVIDER: ["identity.photo_of_record", "identity.proof"],
}


def utc(now: int | dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC) if isinstance(now, int) else now.astimezone(dt.UTC)


def as_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    return None if value is None or value == "" else uuid.UUID(str(value))


@dataclass(frozen=True)
class Try:
    """Who tries to prove whom, by which route: what an attempt row and its record say."""

    method: str
    actor: audit.Actor  # as the holder reads it on their record
    purpose: str = vocab.BIND
    account: uuid.UUID | None = None
    person: uuid.UUID | None = None
    staff: uuid.UUID | None = None
    office: uuid.UUID | None = None
    bank: uuid.UUID | None = None
    client: uuid.UUID | None = None
    provider: str = ""
    session: uuid.UUID | None = None
    device_label: str = ""
    ref: uuid.UUID | None = None  # the code, challenge or provider session used
    reset: uuid.UUID | None = None  # the password reset this attempt is for (purpose "reset")
    # Another person the attempt concerns (the document's, when a code named someone else): the
    # attempt is on their record too.
    also: tuple[uuid.UUID, ...] = field(default_factory=tuple)

    def about(self, **changes: Any) -> Try:
        return replace(self, **changes)


def _basis(attempt: Try) -> tuple[str, str]:
    if attempt.staff is not None:
        return "official_duty", "Identity proofing at a counter: the document checked in person"
    if attempt.purpose == vocab.RESET:
        return "consent", "Password reset requested with this identity document"
    return "consent", "Identity proofing requested from a wallet account"


async def write(attempt: Try, *, outcome: str, reason: str = "", level: int = 0, ecard: bool = False, now: int) -> AttemptOut:
    """Write one attempt: the row, an access record entry for each person it concerns, and a
    `proofing.attempted` notice to each. Call inside the transaction of what was decided, or on
    its own for a refusal (it opens one then)."""
    if db.in_transaction():
        return await _write(attempt, outcome, reason, level, ecard, now)
    async with db.transaction():
        written = await _write(attempt, outcome, reason, level, ecard, now)
    return written


async def _write(attempt: Try, outcome: str, reason: str, level: int, ecard: bool, now: int) -> AttemptOut:
    moment = utc(now)
    row = ProofingAttempt(
        id=uuid.uuid4(),
        account=attempt.account,
        person=attempt.person,
        method=attempt.method,
        purpose=attempt.purpose,
        outcome=outcome,
        reason=reason[:64],
        level=level,
        staff=attempt.staff,
        office=attempt.office,
        bank=attempt.bank,
        client=attempt.client,
        provider=attempt.provider[:32],
        session=attempt.session,
        device_label=attempt.device_label[:64],
        item=attempt.ref,
        ecard_activated=1 if ecard else 0,
        at=moment,
    )
    await ProofingAttempt.insert(row).run()
    basis_kind, basis_ref = _basis(attempt)
    purpose = "Identity proofing for a password reset" if attempt.purpose == vocab.RESET else "Identity proofing of an account"
    people = [p for p in (attempt.person, *attempt.also) if p is not None]
    for person in dict.fromkeys(people):
        await audit.record(
            attempt.actor,
            person_id=person,
            action=_ACTIONS[attempt.method],
            fields=_FIELDS[attempt.method],
            purpose=purpose,
            basis_kind=basis_kind,
            basis_ref=basis_ref,
            result="ok" if outcome == vocab.PROVEN else "refused",
            result_code=reason,
        )
        params: dict[str, str | int | None] = {"method": attempt.method, "outcome": outcome, "reason": reason}
        await inbox.tell(person, "proofing.attempted", params, now=now)
    return AttemptOut(
        id=row.id,
        method=attempt.method,  # type: ignore[arg-type]  # one of vocab's methods
        purpose=attempt.purpose,  # type: ignore[arg-type]
        outcome=outcome,  # type: ignore[arg-type]
        reason=reason,
        level=level,
        ecard_activated=ecard,
        at=moment,
    )


def attempt_out(row: dict[str, Any]) -> AttemptOut:
    return AttemptOut(
        id=row["id"],
        method=row["method"],
        purpose=row["purpose"],
        outcome=row["outcome"],
        reason=row["reason"],
        level=row["level"],
        ecard_activated=bool(row["ecard_activated"]),
        at=row["at"],
    )


async def for_person(person_id: uuid.UUID | str, limit: int) -> list[AttemptOut]:
    rows = await (
        ProofingAttempt.select()
        .where(ProofingAttempt.person == as_uuid(person_id))
        .order_by(ProofingAttempt.at, ascending=False)
        .limit(limit)
        .run()
    )
    return [attempt_out(r) for r in rows]


_SCOPES = {
    "account": ProofingAttempt.account,
    "staff": ProofingAttempt.staff,
    "client": ProofingAttempt.client,
    "person": ProofingAttempt.person,
}


async def refusals_since(scope: str, owner: uuid.UUID, since: dt.datetime) -> list[dt.datetime]:
    """When each counted refusal of this account, staff member, client or person happened since
    `since`, oldest first (vocab.COUNTED says which refusals count for whom)."""
    column = _SCOPES[scope]
    rows = await (
        ProofingAttempt.select(ProofingAttempt.at)
        .where((column == owner) & (ProofingAttempt.outcome == vocab.REFUSED) & (ProofingAttempt.at > since))
        .where(ProofingAttempt.reason.is_in(list(vocab.COUNTED[scope])))
        .where(ProofingAttempt.purpose == vocab.BIND if scope == "account" else ProofingAttempt.id.is_not_null())
        .order_by(ProofingAttempt.at)
        .run()
    )
    return [r["at"] for r in rows]

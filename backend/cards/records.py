"""Card rows: load, compare-and-set by version, and append the event every change leaves."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.audit import services as audit
from backend.cards import numbers, states
from backend.cards.access import SYSTEM, Actor
from backend.cards.atomic import Conflict
from backend.cards.revocations import Pending
from backend.cards.tables import Card, CardEvent
from backend.events import services as events
from backend.lib.errors import ApiError


def utc(now: dt.datetime | int | float | None = None) -> dt.datetime:
    """`now` as an aware UTC datetime (SQLite stores timestamps as UTC text, so always UTC).

    Routes pass nothing and get the microsecond clock, which keeps a holder's cards and events
    in order; tests inject a time to move the calendar (temporary loss lapses) without sleeping.
    """
    if now is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(now, (int, float)):
        return dt.datetime.fromtimestamp(now, dt.UTC)
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return now.astimezone(dt.UTC)


class CardRow(msgspec.Struct, kw_only=True):
    """One cards_card row as read, field for column; `cas` keeps it in step with what it writes."""

    id: uuid.UUID
    number: str
    ref: str
    person: uuid.UUID
    active_person: uuid.UUID | None
    region: str
    state: str
    version: int
    bank: uuid.UUID
    account: str
    ecard_level: int
    ecard_issued_at: dt.datetime | None
    assurance: int
    proofing: str
    transport_enabled: bool
    lapse_at: dt.datetime | None
    replaces: uuid.UUID | None
    replaced_by: uuid.UUID | None
    application: uuid.UUID | None
    office: uuid.UUID | None
    issued_at: dt.datetime
    updated_at: dt.datetime


async def load(card_id: uuid.UUID | str) -> CardRow | None:
    row = await Card.select().where(Card.id == card_id).first().run()
    return CardRow(**row) if row else None


async def get(card_id: uuid.UUID | str) -> CardRow:
    card = await load(card_id)
    if card is None:
        raise ApiError(404, "card.not_found", "No such card.")
    return card


async def load_current(person_id: uuid.UUID | str) -> CardRow | None:
    """The person's card that is neither replaced nor cancelled."""
    row = await Card.select().where(Card.active_person == person_id).first().run()
    return CardRow(**row) if row else None


async def current_or_404(person_id: uuid.UUID | str) -> CardRow:
    card = await load_current(person_id)
    if card is None:
        raise ApiError(404, "card.not_found", "You have no card that is in use; apply for one first.")
    return card


async def cas(card: CardRow, values: Mapping[str, Any], now: dt.datetime) -> CardRow:
    """Write `values` (by column name) only if the card still has the version we read; bump the version.

    Raises Conflict when another transaction got there first; `card` is updated in place.
    """
    # Piccolo's update takes Column objects or column names as keys.
    changes: dict[Column | str, Any] = {name: value for name, value in values.items()}
    changes.update({"version": card.version + 1, "updated_at": now})
    updated = await Card.update(changes).where((Card.id == card.id) & (Card.version == card.version)).returning(Card.id).run()
    if not updated:
        raise Conflict()
    for name, value in values.items():
        setattr(card, name, value)
    card.version += 1
    card.updated_at = now
    return card


async def event(
    card: CardRow,
    actor: Actor,
    *,
    action: str,
    at: dt.datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    note: str = "",
) -> None:
    """Append an event for the card's current version: a transition when the state changed,
    a notice (bank, e-card, device) when it did not."""
    to_state = to_state or card.state
    kind = "notice" if from_state == to_state else "transition"
    await CardEvent.insert(
        CardEvent(
            card=card.id,
            person=card.person,
            seq=card.version,
            kind=kind,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_kind=actor.kind,
            actor_id=actor.id,
            channel=actor.channel,
            office=actor.office_id,
            reason=reason[:500],
            note=note[:500],
            at=at,
        )
    ).run()
    if actor.kind == "staff":  # Art. 21: every staff action on a card is on the holder's access record
        await _staff_entry(card, actor, action=action, reason=reason)
    if kind == "transition":  # for agencies' subscriptions (docs/webhooks.md): ids and states only
        data = {"card_id": str(card.id), "status": to_state, "previous_status": from_state, "action": action}
        await events.record("card.status_changed", card.person, data, at=at)


async def staff_as_audited(actor: Actor) -> audit.Actor:
    """A staff actor as the access record names them (by their signed-in principal when there is one)."""
    if actor.principal is not None:
        return await audit.actor_of(actor.principal)
    return audit.Actor("staff", actor.id, str(actor.office_id or ""))


async def _staff_entry(card: CardRow, actor: Actor, *, action: str, reason: str) -> None:
    """The access record entry of a staff member's card action, in the action's own transaction."""
    await audit.record(
        await staff_as_audited(actor),
        person_id=card.person,
        action=f"card.{action}"[:48],
        fields=["card.status"],
        purpose=reason or f"Card {action.replace('_', ' ')} at the {actor.channel.replace('_', ' ')}",
        basis_kind="official_duty",
        basis_ref=f"office {actor.office_id}" if actor.office_id else "official duty",
    )


async def step(
    card: CardRow,
    action: str,
    actor: Actor,
    *,
    now: dt.datetime,
    pending: Pending,
    reason: str = "",
    temp_loss_days: int = 7,
    extra: dict[str, object] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Take one lifecycle action on a loaded card: decide, compare-and-set, record.

    IllegalTransition propagates; Conflict propagates (the caller's transaction retries).
    """
    before = card.state
    after = states.next_state(before, action, actor.kind)
    values: dict[str, object] = {"state": after, **(extra or {})}
    values["lapse_at"] = now + dt.timedelta(days=temp_loss_days) if after == states.TEMP_LOST else None
    if after in states.TERMINAL:
        values["active_person"] = None
    await cas(card, values, now)
    await event(card, actor, action=action, from_state=before, to_state=after, reason=reason, at=at or now)
    if states.revocation_status(before) != states.revocation_status(after):
        pending.card(card.ref, states.revocation_status(after))


async def settle_lapse(card: CardRow, now: dt.datetime, pending: Pending) -> bool:
    """Apply a due temporary-loss lapse to a loaded card as a system event; True if it did."""
    if not states.lapse_due(card.state, card.lapse_at, now):
        return False
    # Dated when it lapsed, not when we noticed: the holder's history shows the real moment.
    reason = "The temporary loss report ran out; the card works again."
    await step(card, states.LAPSE, SYSTEM, now=now, pending=pending, at=card.lapse_at, reason=reason)
    return True


async def insert_card(
    *,
    person_id: uuid.UUID,
    region: str,
    bank_id: uuid.UUID,
    account: str,
    now: dt.datetime,
    office_id: uuid.UUID | None,
    application_id: uuid.UUID | None,
    card_id: uuid.UUID | None = None,
    replaces: uuid.UUID | None = None,
    ecard_level: int = 0,
    ecard_issued_at: dt.datetime | None = None,
    transport_enabled: bool = False,
    assurance: int = 0,
    proofing: str = "",
) -> CardRow:
    """A new active card with fresh number and ref (a clash on either makes the transaction retry).
    A replacement card names the card it `replaces` and carries over its e-card."""
    card = Card(
        id=card_id or uuid.uuid4(),
        number=numbers.new_card_number(region),
        ref=numbers.new_card_ref(),
        person=person_id,
        active_person=person_id,
        region=region,
        state=states.ACTIVE,
        version=1,
        bank=bank_id,
        account=account,
        office=office_id,
        application=application_id,
        issued_at=now,
        updated_at=now,
        replaces=replaces,
        ecard_level=ecard_level,
        ecard_issued_at=ecard_issued_at,
        transport_enabled=transport_enabled,
        assurance=assurance,
        proofing=proofing,
    )
    await Card.insert(card).run()
    return await get(card.id)

"""Lifecycle actions on stored cards: loss reports, locks, replacement, cancellation, lapses."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from backend.cards import accounts, atomic, banks, numbers, records, states
from backend.cards.access import SYSTEM, Actor, ensure
from backend.cards.records import CardRow
from backend.cards.revocations import Pending
from backend.cards.tables import Card, Device
from backend.inbox import services as inbox
from backend.lib.errors import ApiError


@dataclass(frozen=True)
class Outcome:
    """What a lifecycle action leaves: the card after it, and the replacement card if it issued one."""

    card: CardRow
    new_card: CardRow | None = None


# What the holder is told of each action (backend/inbox), whoever took it: the holder, staff or the system.
TOLD: dict[str, tuple[str, dict[str, str]]] = {
    states.REPORT_TEMP_LOSS: ("card.loss_reported", {"kind": "temporary"}),
    states.REPORT_LOSS: ("card.loss_reported", {"kind": "formal"}),
    states.LIFT_LOSS: ("card.loss_lifted", {"kind": "lifted"}),
    states.LAPSE: ("card.loss_lifted", {"kind": "lapsed"}),
    states.REQUEST_REPLACEMENT: ("card.replaced", {}),
    states.CANCEL: ("card.cancelled", {}),
}


async def tell_holder(card: CardRow, action: str, actor: Actor, now: dt.datetime) -> None:
    """A notice in the holder's inbox, in the transaction of the action."""
    if action in TOLD:
        event, params = TOLD[action]
        await inbox.tell(card.person, event, {**params, "by": actor.kind}, now=now)


def illegal(exc: states.IllegalTransition) -> ApiError:
    return ApiError(
        409,
        "card.illegal_transition",
        f"A card that is {exc.state.replace('_', ' ')} cannot take the action {exc.action}.",
        state=exc.state,
        action=exc.action,
        allowed_actions=list(exc.allowed),
    )


async def perform(
    action: str,
    actor: Actor,
    *,
    card_id: uuid.UUID | str | None = None,
    person_id: uuid.UUID | str | None = None,
    reason: str = "",
    now: dt.datetime | int | None = None,
    temp_loss_days: int = 7,
) -> Outcome:
    """Take `action` on a card (by id, or the person's current card): the card after it and,
    after request_replacement, the new card.

    Concurrent calls serialise through the card's version: the loser re-reads and re-decides,
    so two lift_loss calls give one success and one 409, never a lost update.
    """
    now = records.utc(now)

    async def attempt() -> Outcome:
        if card_id:
            card = await records.get(card_id)
        elif person_id:
            card = await records.current_or_404(person_id)
        else:
            raise ApiError(404, "card.not_found", "No such card.")
        if action in states.PERMISSION:
            await ensure(actor, states.PERMISSION[action], card_city=card.region)
        pending = Pending()
        # A report that ran out lapses first (dated when it ran out); only then is `action` decided.
        lapsed = await records.settle_lapse(card, now, pending)
        if lapsed:
            await tell_holder(card, states.LAPSE, SYSTEM, now)
        try:
            if action != states.LAPSE:
                await records.step(card, action, actor, now=now, pending=pending, reason=reason, temp_loss_days=temp_loss_days)
            elif not lapsed or actor.kind != "system":  # only the system lapses, and never early
                raise states.IllegalTransition(card.state, action, states.allowed_actions(card.state, actor.kind))
        except states.IllegalTransition as exc:
            raise illegal(exc) from None
        new_card = None
        if action == states.REQUEST_REPLACEMENT:
            new_card = await _replace(card, actor, now, pending, reason)
        elif action == states.CANCEL:
            await unbind_all(card.id, now, pending)
            await accounts.supersede_for(card.id, now)  # no account to open for a cancelled card
        if action != states.LAPSE:
            await tell_holder(card, action, actor, now)
        await pending.write(now)
        return Outcome(card, new_card)

    return await atomic.run(attempt)


async def _replace(old: CardRow, actor: Actor, now: dt.datetime, pending: Pending, reason: str) -> CardRow:
    """Issue the new card at once: old -> replaced, new number and ref, account kept if the bank can."""
    bank = await banks.by_id(old.bank, hold=True)
    if bank.status == "ended":
        # Its holders are being moved right now; the move will reach this card shortly.
        message = "Your bank's cooperation has ended and cards are being moved; try again shortly."
        raise ApiError(409, "bank.moving_holders", message, retry_after=5)
    keep = bool(bank.keeps_account_on_replacement)
    new_id = uuid.uuid4()
    system = actor.as_system()
    note = f"New card issued to replace card {numbers.mask_card_number(old.number)}."
    await records.step(
        old, states.COMPLETE_REPLACEMENT, system, now=now, pending=pending, extra={"replaced_by": new_id}, reason=note
    )
    new = await records.insert_card(
        card_id=new_id,
        person_id=old.person,
        region=old.region,
        bank_id=old.bank,
        account=old.account if keep else "",  # a new one comes from the bank (cards/accounts.py)
        now=now,
        office_id=actor.office_id,
        application_id=old.application,
        replaces=old.id,
        ecard_level=old.ecard_level,
        ecard_issued_at=old.ecard_issued_at,
        transport_enabled=old.transport_enabled,
        assurance=old.assurance,  # the same holder, proven as before
        proofing=old.proofing,
    )
    await accounts.for_replacement(old, new, keeps=keep, now=now)
    if keep and new.account:
        money = f"Payments keep going to your account {numbers.mask_account(new.account)} at {bank.name}."
    elif keep:
        money = f"{bank.name} is still opening your card's account."
    else:
        money = f"{bank.name} is opening a new account for the new card; payments go there once it is open."
    await records.event(new, system, action=states.ISSUE, to_state=states.ACTIVE, at=now, reason=reason, note=f"{note} {money}")
    # The e-card follows the holder: bound phones now serve the new card.
    await Device.update({Device.card: new_id}).where((Device.card == old.id) & (Device.status == "bound")).run()
    return new


async def unbind_all(card_id: uuid.UUID, now: dt.datetime, pending: Pending) -> int:
    """Unbind every device of a card (it is cancelled); each key goes on the revocation feed."""
    rows = (
        await Device.update({Device.status: "unbound", Device.bound_key: None, Device.unbound_at: now})
        .where((Device.card == card_id) & (Device.status == "bound"))
        .returning(Device.id, Device.key_id)
        .run()
    )
    for row in rows:
        pending.device(row["key_id"], row["id"])  # its offline credentials (format 2) too
    return len(rows)


async def settle(card_id: uuid.UUID, now: dt.datetime | int | None = None) -> bool:
    """Apply a due lapse for this card now (a system event); True if this call applied it."""
    now = records.utc(now)
    card = await records.load(card_id)
    if card is None or not states.lapse_due(card.state, card.lapse_at, now):
        return False  # the common case: a plain read, no write transaction

    async def attempt() -> bool:
        card = await records.load(card_id)
        pending = Pending()
        if card is None or not await records.settle_lapse(card, now, pending):
            return False
        await tell_holder(card, states.LAPSE, SYSTEM, now)
        await pending.write(now)
        return True

    return await atomic.run(attempt)


async def apply_due_lapses(now: dt.datetime | int | None = None) -> int:
    """Lapse every temporary loss report that has run out; returns how many this call lapsed."""
    now = records.utc(now)
    rows = await Card.select(Card.id, Card.state, Card.lapse_at).where(Card.state == states.TEMP_LOST).run()
    count = 0
    for row in rows:
        if states.lapse_due(row["state"], row["lapse_at"], now):
            count += await settle(row["id"], now)
    return count

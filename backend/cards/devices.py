"""The e-card and the phones it is bound to (with their Ed25519 keys for offline codes)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.cards import atomic, records, states
from backend.cards import schemas as s
from backend.cards.access import Actor
from backend.cards.records import CardRow
from backend.cards.revocations import Pending
from backend.cards.tables import Device
from backend.inbox import services as inbox
from backend.lib import ed25519
from backend.lib.errors import ApiError

MAX_DEVICES = 5


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    """A bound (or formerly bound) phone as services see it: the card it serves, its raw key."""

    id: uuid.UUID
    card_id: uuid.UUID
    label: str
    public_key: bytes | None  # 32 raw bytes of the Ed25519 key
    key_id: str | None
    status: s.DeviceStatus
    bound_at: dt.datetime
    unbound_at: dt.datetime | None


key_id = ed25519.key_id  # the id offline credentials and revocation lists use


def parse_public_key(text: str) -> bytes:
    """A base64url (unpadded) Ed25519 public key, checked to be a usable curve point."""
    raw = ed25519.public_from_b64url(text)
    if raw is None:
        raise ApiError(422, "device.bad_public_key", "The public key must be a 32-byte Ed25519 key in base64url.")
    return raw


def _require_active(card: CardRow) -> None:
    if card.state != states.ACTIVE:
        raise ApiError(
            409, "card.not_active", f"This needs an active card; yours is {card.state.replace('_', ' ')}.", state=card.state
        )


class Proof(msgspec.Struct, frozen=True, kw_only=True):
    """How the holder was proven when an e-card is issued (backend/lib/assurance.py)."""

    level: int
    method: str


async def issue_ecard(
    person_id: uuid.UUID | str,
    actor: Actor,
    *,
    payment: bool = False,
    transport: bool = False,
    proof: Proof | None = None,
    reprove: bool = False,
    announce: bool = False,
    now: dt.datetime | int | None = None,
) -> CardRow:
    """Issue the e-card (level 1: identity and queries; level 2: payment through the bank
    account too), or change its level and transport function. Needs an active card, and for the
    first issue a proof of who the holder is (409 `ecard.not_proven` without one)."""
    now = records.utc(now)

    async def attempt() -> CardRow:
        card = await records.current_or_404(person_id)
        pending = Pending()
        await records.settle_lapse(card, now, pending)
        _require_active(card)
        level = 2 if payment else 1
        # A proof is recorded on a new e-card, or when a proofing route proved the holder again
        # (`reprove`; proofing never passes a weaker one). A holder changing the level only keeps
        # what is on record: a weaker account proof never lowers what a counter proved.
        proven = (
            proof is not None
            and (card.ecard_level == 0 or reprove)
            and (proof.level, proof.method) != (card.assurance, card.proofing)
        )
        if card.ecard_level == level and card.transport_enabled == transport and not proven:
            await pending.write(now)
            return card  # asking twice is harmless
        first = card.ecard_level == 0
        if first and (proof is None or proof.level < 1):
            raise ApiError(
                409,
                "ecard.not_proven",
                "The e-card is issued only after its holder is proven: at a counter, through the bank or a provider.",
            )
        values: dict[str, object] = {"ecard_level": level, "transport_enabled": transport}
        if first:
            values["ecard_issued_at"] = now
        if proof is not None and proven:
            values["assurance"] = proof.level
            values["proofing"] = proof.method
        await records.cas(card, values, now)
        what = "payment" if level == 2 else "identity and queries"
        transit = "on" if transport else "off"
        note = f"E-card {'issued' if first else 'changed'}: level {level} ({what}), public transport {transit}."
        if proof is not None and proven:
            note += f" Holder proven by {proof.method}."
        action = "ecard_issue" if first else "ecard_change"
        await records.event(card, actor, action=action, from_state=card.state, at=now, note=note)
        if first and announce:  # proofing routes tell the holder themselves, with how they were proven
            await inbox.tell(person_id, "ecard.activated", {"level": card.assurance, "method": card.proofing}, now=now)
        await pending.write(now)
        return card

    return await atomic.run(attempt)


async def deactivate_ecard(person_id: uuid.UUID | str, actor: Actor, *, now: dt.datetime | int | None = None) -> CardRow:
    """Switch the e-card off: no codes, no offline credentials (every bound phone is unbound and
    its key goes on the revocation feed), and the holder proven again before it comes back (the
    account's own proof is enough: POST /api/v1/me/card/ecard). The physical card is untouched."""
    now = records.utc(now)

    async def attempt() -> CardRow:
        card = await records.current_or_404(person_id)
        if card.ecard_level == 0:
            raise ApiError(409, "ecard.not_issued", "This card has no e-card to switch off.")
        values: dict[str, object] = {
            "ecard_level": 0,
            "transport_enabled": False,
            "ecard_issued_at": None,
            "assurance": 0,
            "proofing": "",
        }
        await records.cas(card, values, now)
        pending = Pending()
        bound = await Device.select(Device.id, Device.key_id).where((Device.card == card.id) & (Device.status == "bound")).run()
        if bound:
            await (
                Device.update({Device.status: "unbound", Device.bound_key: None, Device.unbound_at: now})
                .where(Device.id.is_in([row["id"] for row in bound]))
                .run()
            )
            for row in bound:
                pending.device(row["key_id"], row["id"])  # its offline credentials (format 2) too
        note = f"E-card switched off; {len(bound)} phone(s) unbound."
        await records.event(card, actor, action="ecard_deactivate", from_state=card.state, at=now, note=note)
        await inbox.tell(person_id, "ecard.deactivated", {"by": actor.kind, "devices": len(bound)}, now=now)
        await pending.write(now)
        return card

    return await atomic.run(attempt)


def device_view(row: dict[str, Any]) -> DeviceRow:
    return DeviceRow(
        id=row["id"],
        card_id=row["card"],
        label=row["label"],
        public_key=bytes(row["public_key"]) if row["public_key"] is not None else None,
        key_id=row["key_id"],
        status=row["status"],
        bound_at=row["bound_at"],
        unbound_at=row["unbound_at"],
    )


async def get(person_id: uuid.UUID | str, device_id: uuid.UUID | str) -> DeviceRow | None:
    row = await Device.select().where((Device.id == device_id) & (Device.person == person_id)).first().run()
    return device_view(row) if row else None


async def _reread(device_id: uuid.UUID) -> DeviceRow:
    """A device this transaction has just written."""
    row = await Device.select().where(Device.id == device_id).first().run()
    if row is None:  # devices are never deleted
        raise ApiError(404, "device.not_found", "You have no device with this id.")
    return device_view(row)


async def list_for(person_id: uuid.UUID | str, *, include_unbound: bool = False) -> list[DeviceRow]:
    query = Device.select().where(Device.person == person_id)
    if not include_unbound:
        query = query.where(Device.status == "bound")
    return [device_view(r) for r in await query.order_by(Device.bound_at).run()]


async def bind(
    person_id: uuid.UUID | str,
    actor: Actor,
    *,
    label: str,
    public_key: bytes | None = None,
    now: dt.datetime | int | None = None,
) -> DeviceRow:
    """Bind a phone to the holder's e-card (at most MAX_DEVICES at a time)."""
    now = records.utc(now)
    kid = key_id(public_key) if public_key else None

    async def attempt() -> DeviceRow:
        card = await records.current_or_404(person_id)
        pending = Pending()
        await records.settle_lapse(card, now, pending)
        _require_active(card)
        if card.ecard_level == 0:
            raise ApiError(409, "ecard.not_issued", "Issue your e-card before binding a device.")
        bound = await Device.count().where((Device.person == person_id) & (Device.status == "bound")).run()
        if bound >= MAX_DEVICES:
            message = f"At most {MAX_DEVICES} devices can be bound; unbind one first."
            raise ApiError(409, "device.limit_reached", message, limit=MAX_DEVICES)
        # Bumping the card's version serialises binds, so two at once cannot both take the last slot.
        await records.cas(card, {}, now)
        device = Device(
            id=uuid.uuid4(),
            person=person_id,
            card=card.id,
            label=label,
            public_key=public_key,
            key_id=kid,
            bound_key=kid,
            status="bound",
            bound_at=now,
        )
        await Device.insert(device).run()
        await records.event(card, actor, action="device_bind", from_state=card.state, at=now, note=f"Device bound: {label}.")
        await inbox.tell(person_id, "account.device_added", {"label": label, "by": actor.kind}, now=now)
        await pending.write(now)
        return await _reread(device.id)

    return await atomic.run(attempt)


async def unbind(
    person_id: uuid.UUID | str, device_id: uuid.UUID | str, actor: Actor, now: dt.datetime | int | None = None
) -> DeviceRow:
    """Unbind a device; its key goes on the revocation feed in the same transaction."""
    now = records.utc(now)

    async def attempt() -> DeviceRow:
        row = await Device.select().where((Device.id == device_id) & (Device.person == person_id)).first().run()
        if row is None:
            raise ApiError(404, "device.not_found", "You have no device with this id.")
        if row["status"] != "bound":
            raise ApiError(409, "device.not_bound", "This device is already unbound.")
        card = await records.get(row["card"])
        await records.cas(card, {}, now)
        changed = (
            await Device.update({Device.status: "unbound", Device.bound_key: None, Device.unbound_at: now})
            .where((Device.id == row["id"]) & (Device.status == "bound"))
            .returning(Device.id)
            .run()
        )
        if not changed:
            raise atomic.Conflict()
        note = f"Device unbound: {row['label']}."
        await records.event(card, actor, action="device_unbind", from_state=card.state, at=now, note=note)
        pending = Pending()
        pending.device(row["key_id"], row["id"])  # its offline credentials (format 2) too
        await pending.write(now)
        return await _reread(row["id"])

    return await atomic.run(attempt)

"""Fan-out: each event, once, to every subscription whose agency had a basis for its holder then."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.certificates import registry
from backend.certificates.schemas import TypeOut
from backend.consent import services as consent
from backend.events.tables import Event
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Agency
from backend.subscriptions import subjects
from backend.subscriptions.tables import Delivery, Subscription

BATCH = 200  # events per handler run; more left → another job
DELIVER = "subscriptions.deliver"
LOCK = "subscriptions.fan_out"


@dataclass(frozen=True)
class EventRow:
    seq: int
    id: uuid.UUID
    person: uuid.UUID
    kind: str
    data: dict[str, Any]
    at: dt.datetime


@dataclass(frozen=True)
class Basis:
    kind: str  # statute | consent
    ref: str


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def body(event: EventRow, subscription_id: uuid.UUID, seq: int, basis: Basis, subject: str) -> str:
    """The delivery's JSON, fixed once: the bytes signed on every attempt and served by the feed.
    The holder is named by the agency's own pseudonym (`subjects.py`), never the service's person id."""
    data = {
        "event_id": str(event.id),
        "subscription_id": str(subscription_id),
        "seq": seq,
        "subject": subject,
        "basis": {"kind": basis.kind, "ref": basis.ref},
        **event.data,
    }
    return msgspec.json.encode({"type": event.kind, "timestamp": iso(event.at), "data": data}).decode()


async def _type(code: str, cache: dict[str, TypeOut | None]) -> TypeOut | None:
    if code not in cache:
        try:
            cache[code] = await registry.get(code)
        except ApiError:
            cache[code] = None
    return cache[code]


async def basis_for(
    sub: dict[str, Any], agency: dict[str, Any], event: EventRow, types: dict[str, TypeOut | None]
) -> Basis | None:
    """The agency's basis for this event's holder at the event's time, or None (no delivery).

    A statute covers certificate events of a type the agency itself issues, when the subscription
    names the statute: its own certificates' changes. A statutory access for an agency's kind lets it
    query one holder at a time; it does not make a province-wide feed of every holder's certificates
    (docs/webhooks.md). Everything else needs a
    consent of the holder that was active at the event's time, is not revoked since, and covers
    it: `card_status`, `account_changes`, or the certificate's type."""
    if event.kind == "certificate.changed" and sub["legal_basis"]:
        ctype = await _type(str(event.data.get("type", "")), types)
        if ctype is not None and str(ctype.issuer.id) == str(agency["id"]):
            return Basis("statute", sub["legal_basis"])
    for row in await consent.live_for(agency["id"], event.person, event.at):
        scope = row.scope
        covered = (
            (event.kind == "card.status_changed" and scope.card_status)
            or (event.kind == "card.account_changed" and scope.account_changes)
            or (event.kind == "certificate.changed" and str(event.data.get("type")) in scope.certificates)
        )
        if covered:
            return Basis("consent", str(row.id))
    return None


async def basis_holds(basis_kind: str, basis_ref: str, cache: dict[str, bool] | None = None) -> bool:
    """Whether a delivery's basis still stands now, checked again when it is sent or served: a
    consent revoked since its event withdraws the deliveries not yet out (docs/webhooks.md). A
    statute (the agency's own certificate types) does not lapse this way."""
    if basis_kind != "consent":
        return True
    if cache is not None and basis_ref in cache:
        return cache[basis_ref]
    try:
        row = await consent.find(uuid.UUID(basis_ref))
    except ValueError:
        row = None
    holds = row is not None and row.revoked_at is None
    if cache is not None:
        cache[basis_ref] = holds
    return holds


async def _next_seq(sub_id: uuid.UUID) -> int:
    """The subscription's next delivery number, under its row lock (PostgreSQL; SQLite's IMMEDIATE
    transaction already admits one writer): the lock is held until commit, so seq N+1 never commits
    before seq N and a feed reader paging with `after` cannot skip one."""
    if not db.is_sqlite():
        await db.fetch("SELECT id FROM subscriptions_subscription WHERE id = {} FOR UPDATE", sub_id)
    row = await Subscription.select(Subscription.last_seq).where(Subscription.id == sub_id).first().run()
    seq = int(row["last_seq"]) + 1 if row else 1
    await Subscription.update({Subscription.last_seq: seq}).where(Subscription.id == sub_id).run()
    return seq


async def fan_out_one(now: dt.datetime, keyring: Keyring) -> bool | None:
    """Fan out the oldest event not yet fanned out, in one transaction; None when there is none.
    The flag is set by compare-and-set, so two workers never fan out one event twice."""
    async with db.transaction():
        await db.advisory_lock(LOCK)  # one fan-out at a time: deliveries follow the events' order
        row = (
            await Event.select()
            .where(Event.fanned_out == False)  # noqa: E712 - Piccolo's column comparison
            .order_by(Event.seq)
            .first()
            .output(load_json=True)
            .run()
        )
        if row is None:
            return None
        taken = (
            await Event.update({Event.fanned_out: True})
            .where((Event.seq == row["seq"]) & (Event.fanned_out == False))  # noqa: E712
            .returning(Event.seq)
            .run()
        )
        if not taken:
            return False
        event = EventRow(row["seq"], row["id"], row["person"], row["kind"], dict(row["data"] or {}), db.time_column(row["at"]))
        await _deliveries(event, now, keyring)
    return True


async def _deliveries(event: EventRow, now: dt.datetime, keyring: Keyring) -> None:
    subs = (
        await Subscription.select(
            Subscription.id,
            Subscription.agency,
            Subscription.url,
            Subscription.event_types,
            Subscription.legal_basis,
            Subscription.state,
            Subscription.created_at,
        )
        .output(load_json=True)
        .run()
    )
    # A subscription gets the events from its creation on, never older ones fanned out late.
    wanted = [s for s in subs if event.kind in (s["event_types"] or []) and db.time_column(s["created_at"]) <= event.at]
    if not wanted:
        return
    agencies = {
        a["id"]: a
        for a in await Agency.select(Agency.id, Agency.kind).where(Agency.id.is_in([s["agency"] for s in wanted])).run()
    }
    types: dict[str, TypeOut | None] = {}
    for sub in wanted:
        basis = await basis_for(sub, agencies[sub["agency"]], event, types)
        if basis is None:
            continue
        seq = await _next_seq(sub["id"])
        push = bool(sub["url"])
        delivery_id = uuid.uuid4()
        await Delivery.insert(
            Delivery(
                id=delivery_id,
                subscription=sub["id"],
                seq=seq,
                slot=f"{sub['id']}:{seq}",
                once=f"{sub['id']}:{event.id}",
                event=event.id,
                person=event.person,
                kind=event.kind,
                body=body(event, sub["id"], seq, basis, subjects.subject(keyring, sub["agency"], event.person)),
                basis_kind=basis.kind,
                basis_ref=basis.ref[:200],
                state="pending" if push else "feed",
                next_attempt_at=now,
                event_at=event.at,
                created_at=now,
            )
        ).run()
        if push and sub["state"] == "active":
            await jobs.enqueue(DELIVER, {"subscription": str(sub["id"])}, key=f"{DELIVER}:{delivery_id}")


async def fan_out(keyring: Keyring, now: dt.datetime | None = None) -> int:
    """Fan out events until none is left (or a batch is done: then another job goes on); how many."""
    done = 0
    while done < BATCH:
        result = await fan_out_one(now or dt.datetime.now(dt.UTC), keyring)
        if result is None:
            return done
        done += int(result)
    async with db.transaction():
        await jobs.enqueue("subscriptions.fan_out", {})
    return done

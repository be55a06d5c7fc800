"""Subscriptions' use cases: create, read, pause and resume, rotate the secret, delete, dead letters, replay."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count

from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.org.tables import Agency
from backend.subscriptions import schemas as s
from backend.subscriptions import webhook_signing as signing
from backend.subscriptions.delivery import DELIVER, check_url
from backend.subscriptions.tables import Delivery, Subscription

ROTATION_OVERLAP = dt.timedelta(hours=24)
MAX_PER_AGENCY = 50


def _utc(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


async def _counts(ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], int]:
    if not ids:
        return {}
    rows = (
        await Delivery.select(Delivery.subscription, Delivery.state, Count(Delivery.id).as_alias("n"))
        .where(Delivery.subscription.is_in(ids) & Delivery.state.is_in(["pending", "dead"]))
        .group_by(Delivery.subscription, Delivery.state)
        .run()
    )
    return {(r["subscription"], r["state"]): int(r["n"]) for r in rows}


async def _last_errors(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for sub_id in ids:  # per subscription: a page is at most 200
        row = (
            await Delivery.select(Delivery.last_error)
            .where((Delivery.subscription == sub_id) & (Delivery.last_error != "") & Delivery.state.is_in(["pending", "dead"]))
            .order_by(Delivery.seq)
            .first()
            .run()
        )
        found[sub_id] = row["last_error"] if row else ""
    return found


_COLUMNS = (
    *Subscription.all_columns(),
    Subscription.agency.code.as_alias("agency_code"),
    Subscription.agency.name.as_alias("agency_name"),
)


async def _outs(rows: list[dict[str, Any]]) -> list[s.SubscriptionOut]:
    ids = [r["id"] for r in rows]
    counts, errors = await _counts(ids), await _last_errors(ids)
    return [
        s.SubscriptionOut(
            id=r["id"],
            agency_id=r["agency"],
            agency_code=r["agency_code"],
            agency_name=r["agency_name"],
            url=r["url"] or None,
            event_types=r["event_types"],
            description=r["description"],
            legal_basis=r["legal_basis"] or None,
            state=r["state"],
            last_seq=int(r["last_seq"]),
            pending=counts.get((r["id"], "pending"), 0),
            dead=counts.get((r["id"], "dead"), 0),
            last_error=errors[r["id"]],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def _row(sub_id: uuid.UUID, agency_id: str | None) -> dict[str, Any]:
    """The subscription; one of another agency is simply not found."""
    query = Subscription.select(*_COLUMNS).where(Subscription.id == sub_id)
    if agency_id is not None:
        query = query.where(Subscription.agency == agency_id)
    row = await query.first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "subscription.not_found", "No subscription with this id belongs to your agency.")
    return row


async def get(sub_id: uuid.UUID, agency_id: str | None) -> s.SubscriptionOut:
    return (await _outs([await _row(sub_id, agency_id)]))[0]


async def create(
    agency_id: str, client_id: str, spec: s.SubscriptionCreate, keyring: Keyring, settings: Settings, now: int
) -> s.SubscriptionCreated:
    if spec.url is not None:
        check_url(spec.url, settings)
    if not await Agency.exists().where(Agency.id == agency_id).run():
        raise ApiError(403, "agency.unknown", "This credential's agency is not registered.")
    sub_id = uuid.uuid4()
    secret = signing.new_secret()
    # To the microsecond (not `now`'s second): it gets the events from this moment on, none before.
    moment = dt.datetime.now(dt.UTC)
    async with db.transaction():
        if await Subscription.count().where(Subscription.agency == agency_id).run() >= MAX_PER_AGENCY:
            raise ApiError(409, "subscription.too_many", f"An agency has at most {MAX_PER_AGENCY} subscriptions.")
        await Subscription.insert(
            Subscription(
                id=sub_id,
                agency=agency_id,
                created_by=client_id[:64],
                url=spec.url or "",
                event_types=sorted(set(spec.event_types)),
                description=" ".join(spec.description.split()),
                legal_basis=" ".join((spec.legal_basis or "").split()),
                state="active",
                secret=signing.seal(keyring, str(sub_id), secret),
                created_at=moment,
                updated_at=moment,
            )
        ).run()
    return s.SubscriptionCreated(subscription=await get(sub_id, agency_id), secret=secret)


async def list_for(agency_id: str | None, *, limit: int, offset: int) -> list[s.SubscriptionOut]:
    """An agency's subscriptions, or (None) every agency's: the operators' console."""
    query = Subscription.select(*_COLUMNS).order_by(Subscription.created_at, ascending=False).limit(limit).offset(offset)
    if agency_id is not None:
        query = query.where(Subscription.agency == agency_id)
    return await _outs(await query.output(load_json=True).run())


async def set_paused(sub_id: uuid.UUID, agency_id: str, paused: bool, now: int) -> s.SubscriptionOut:
    """Pause (deliveries wait) or resume (they go, in order). A failing one resumes by a replay."""
    async with db.transaction():
        row = await _row(sub_id, agency_id)
        if paused and row["state"] == "active":
            await (
                Subscription.update({Subscription.state: "paused", Subscription.updated_at: _utc(now)})
                .where(Subscription.id == sub_id)
                .run()
            )
        elif not paused and row["state"] == "paused":
            await (
                Subscription.update({Subscription.state: "active", Subscription.updated_at: _utc(now)})
                .where(Subscription.id == sub_id)
                .run()
            )
            if row["url"]:
                await jobs.enqueue(DELIVER, {"subscription": str(sub_id)}, key=f"{DELIVER}:resume:{uuid.uuid4()}")
    return await get(sub_id, agency_id)


async def rotate(sub_id: uuid.UUID, agency_id: str, keyring: Keyring, now: int) -> s.SecretRotated:
    """A new secret; the one it replaces keeps signing beside it for 24 hours (receivers switch over)."""
    secret = signing.new_secret()
    until = _utc(now) + ROTATION_OVERLAP
    async with db.transaction():
        row = await _row(sub_id, agency_id)
        await (
            Subscription.update(
                {
                    Subscription.secret: signing.seal(keyring, str(sub_id), secret),
                    Subscription.previous_secret: row["secret"],
                    Subscription.previous_until: until,
                    Subscription.updated_at: _utc(now),
                }
            )
            .where(Subscription.id == sub_id)
            .run()
        )
    return s.SecretRotated(secret=secret, previous_valid_until=until)


async def delete(sub_id: uuid.UUID, agency_id: str) -> None:
    """Gone with its deliveries; what was delivered stays on the holders' access records."""
    async with db.transaction():
        await _row(sub_id, agency_id)
        await Subscription.delete().where(Subscription.id == sub_id).run()


def delivery_out(r: dict[str, Any]) -> s.DeliveryOut:
    return s.DeliveryOut(
        id=r["id"],
        subscription_id=r["subscription"],
        seq=int(r["seq"]),
        event_id=r["event"],
        type=r["kind"],
        subject=str(json.loads(r["body"])["data"]["subject"]),
        basis_kind=r["basis_kind"],
        basis_ref=r["basis_ref"],
        state=r["state"],
        attempts=int(r["attempts"]),
        last_status=int(r["last_status"]),
        last_error=r["last_error"],
        next_attempt_at=r["next_attempt_at"] if r["state"] == "pending" else None,
        delivered_at=r["delivered_at"],
        event_at=r["event_at"],
        created_at=r["created_at"],
    )


async def deliveries(
    sub_id: uuid.UUID, agency_id: str | None, *, state: s.DeliveryState | None, after: int, limit: int
) -> s.DeliveryPage:
    """Deliveries in seq order after `after`; `state=dead` is the dead-letter view."""
    await _row(sub_id, agency_id)
    query = Delivery.select().where((Delivery.subscription == sub_id) & (Delivery.seq > after))
    if state is not None:
        query = query.where(Delivery.state == state)
    rows = await query.order_by(Delivery.seq).limit(limit).run()
    items = [delivery_out(r) for r in rows]
    return s.DeliveryPage(items=items, next_after=items[-1].seq if len(items) == limit else None)


async def replay(sub_id: uuid.UUID, agency_id: str | None, spec: s.ReplayRequest, now: int) -> s.ReplayOut:
    """Re-queue from the first dead delivery (or `from_seq`) on, in order, and let the subscription
    send again. Each delivery keeps its id, so a receiver drops one it already has."""
    moment = _utc(now)
    async with db.transaction():
        row = await _row(sub_id, agency_id)
        if not row["url"]:
            raise ApiError(
                409, "subscription.pull_only", "A subscription without a URL is read from the feed; nothing to replay."
            )
        dead = (
            await Delivery.select(Delivery.seq)
            .where((Delivery.subscription == sub_id) & (Delivery.state == "dead"))
            .order_by(Delivery.seq)
            .first()
            .run()
        )
        start = spec.from_seq
        if start is None:
            if dead is None:
                raise ApiError(
                    409, "subscription.nothing_to_replay", "No dead delivery; name `from_seq` to send again from there."
                )
            start = int(dead["seq"])
        elif dead is not None and int(dead["seq"]) < start:
            # Starting after a dead letter would send later events while it stays unsent: out of order.
            raise ApiError(
                409,
                "subscription.dead_letter_first",
                "A dead delivery comes before from_seq; replay from it (or leave from_seq out).",
                first_dead_seq=int(dead["seq"]),
            )
        requeued = (
            await Delivery.update(
                {Delivery.state: "pending", Delivery.attempts: 0, Delivery.next_attempt_at: moment, Delivery.last_error: ""}
            )
            .where(
                (Delivery.subscription == sub_id)
                & (Delivery.seq >= start)
                & Delivery.state.is_in(["dead", "delivered", "pending"])
            )
            .returning(Delivery.id)
            .run()
        )
        state = "paused" if row["state"] == "paused" else "active"
        await (
            Subscription.update({Subscription.state: state, Subscription.updated_at: moment})
            .where(Subscription.id == sub_id)
            .run()
        )
        await jobs.enqueue(DELIVER, {"subscription": str(sub_id)}, key=f"{DELIVER}:replay:{uuid.uuid4()}")
    return s.ReplayOut(requeued=len(requeued), from_seq=start, state=msgspec.convert(state, s.SubscriptionState))

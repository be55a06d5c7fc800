"""An agency (or province staff) retries or cancels an order; the agency reads and acknowledges its event feed.

Each move is one transaction: the order's compare-and-set on `version`, its ledger journal, the
agency event and the outbox job (payments/moves.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.identity.protect import redact
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.payments import ledger, moves, views
from backend.payments import schemas as s
from backend.payments.tables import AgencyEvent, Order
from backend.payments.vocab import CANCELLED, HELD

ATTEMPTS = 5


def _busy() -> ApiError:
    return ApiError(409, "payment.busy", "The order is being changed by other requests; try again.", retry_after=1)


async def _load(order_id: uuid.UUID, agency_id: uuid.UUID | None) -> dict[str, Any]:
    query = Order.select(*Order.all_columns(), Order.agency.code.as_alias("agency_code")).where(Order.id == order_id)
    if agency_id is not None:
        query = query.where(Order.agency == agency_id)
    row = await query.first().run()
    if row is None:
        raise views.order_not_found()
    return row


async def _move(row: dict[str, Any], status: str, now: dt.datetime, **more: Any) -> None:
    """Compare-and-set the order's status on its version; Conflict when another move came first."""
    changed = await (
        Order.update({Order.status: status, Order.version: row["version"] + 1, Order.updated_at: now}, **more)
        .where((Order.id == row["id"]) & (Order.version == row["version"]))
        .returning(Order.id)
        .run()
    )
    if not changed:
        raise db.Conflict()


async def retry(
    keyring: Keyring, order_id: uuid.UUID, *, agency_id: uuid.UUID | None = None, now: dt.datetime | None = None
) -> s.OrderOut:
    """A held order goes again: accepted, its money back to pending, a new execute job. 409 payment.not_held."""
    now = now or dt.datetime.now(dt.UTC)

    async def attempt() -> None:
        row = await _load(order_id, agency_id)
        if not moves.allowed("retry", row["status"]):
            raise ApiError(
                409,
                "payment.not_held",
                f"Only a held order can be retried; this one is {row['status']}.",
                order_status=row["status"],
            )
        await _move(row, moves.target("retry"), now, hold_reason="", hold_detail="")
        await ledger.post(row["id"], "retry", row["amount_fen"], agency=row["agency_code"], at=now)
        await jobs.enqueue("payments.execute", {"order_ids": [str(row["id"])]}, now=now)

    await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)
    return await views.order(keyring, order_id, agency_id)


async def cancel(
    keyring: Keyring, order_id: uuid.UUID, agency_id: uuid.UUID, reason: str, *, client_id: str, now: dt.datetime | None = None
) -> s.OrderOut:
    """The agency gives up on an accepted or held order: cancelled, the money back to the agency's
    account, an order.cancelled event. 409 payment.not_cancellable once instructed, credited or cancelled."""
    now = now or dt.datetime.now(dt.UTC)

    async def attempt() -> None:
        row = await _load(order_id, agency_id)
        status = row["status"]
        if not moves.allowed("cancel", status):
            raise ApiError(
                409,
                "payment.not_cancellable",
                f"Only an accepted or held order can be cancelled; this one is {status}.",
                order_status=status,
            )
        await _move(row, CANCELLED, now)
        # The money sits in orders:held or orders:pending (moves.HOME): it goes back from there.
        posting = "cancel_held" if status == HELD else "cancel_pending"
        await ledger.post(row["id"], posting, row["amount_fen"], agency=row["agency_code"], at=now)
        # The reason is the agency's free text: an identity number typed into it does not reach the feed.
        detail = {"from_status": status, "reason": redact(reason), "client_id": client_id, "amount_fen": row["amount_fen"]}
        await db.insert_rows(
            AgencyEvent,
            [
                {
                    "id": uuid.uuid4(),
                    "agency": agency_id,
                    "order": row["id"],
                    "kind": "order.cancelled",
                    "detail": msgspec.json.encode(detail).decode(),
                    "at": now,
                    "acked_at": None,
                }
            ],
        )

    await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)
    return await views.order(keyring, order_id, agency_id)


async def ack(agency_id: uuid.UUID, ids: list[uuid.UUID], now: dt.datetime | None = None) -> s.AckOut:
    """Mark these of the agency's own events read; others' ids and ones already acknowledged count for nothing."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.transaction():
        done = await (
            AgencyEvent.update({AgencyEvent.acked_at: now})
            .where(
                (AgencyEvent.agency == agency_id)
                & AgencyEvent.id.is_in(list(dict.fromkeys(ids)))
                & AgencyEvent.acked_at.is_null()
            )
            .returning(AgencyEvent.id)
            .run()
        )
    return s.AckOut(acknowledged=len(done))

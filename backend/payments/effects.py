"""What an order's move leaves beside the order itself: the agency's events and the holder's notices (inside the move's transaction)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

import msgspec

from backend.inbox import services as inbox
from backend.lib import db
from backend.payments.tables import AgencyEvent


def mask(account: str) -> str:
    """Only the last four digits, as a bank statement shows them (the cards feature masks the same way)."""
    return "**** " + account[-4:] if len(account) > 4 else "*" * len(account)


def event_row(
    agency_id: uuid.UUID, order_id: uuid.UUID | None, kind: str, detail: Mapping[str, str | int | None], at: dt.datetime
) -> dict[str, object]:
    """One payments_agency_event row: what the paying agency's system reads from its feed. Never an identity number."""
    return {
        "id": uuid.uuid4(),
        "agency": agency_id,
        "order": order_id,
        "kind": kind,
        "detail": msgspec.json.encode(dict(detail)).decode(),
        "at": at,
        "acked_at": None,
    }


async def add_events(rows: list[dict[str, object]]) -> None:
    """Write agency events in one statement, inside the caller's transaction."""
    if rows:
        await db.insert_rows(AgencyEvent, rows)


async def tell(person_id: uuid.UUID, event: str, params: Mapping[str, str | int | None], at: dt.datetime) -> None:
    """A notice in the holder's inbox, inside the caller's transaction (pushed after the commit)."""
    await inbox.tell(person_id, event, params, now=at)

"""Record an event inside the change's own transaction; subscriptions fan it out after the commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Literal

from backend.events.tables import Event
from backend.jobs import services as jobs

Kind = Literal["card.status_changed", "card.account_changed", "certificate.changed"]
KINDS: tuple[Kind, ...] = ("card.status_changed", "card.account_changed", "certificate.changed")
FAN_OUT = "subscriptions.fan_out"  # the job kind subscriptions' workers handle


async def record(
    kind: Kind, person_id: uuid.UUID | str, data: Mapping[str, object], *, at: dt.datetime | None = None
) -> uuid.UUID:
    """Write one event and its fan-out job. Call inside the change's own transaction, so the change,
    its event and the job commit together or not at all. `data`: ids and states only (never an
    identity number, a name or an account number: they go to agencies)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    event_id = uuid.uuid4()
    await Event.insert(Event(id=event_id, person=person_id, kind=kind, data=dict(data), at=moment)).run()
    # One job per event, no key: a keyed job already running would swallow this one's wake-up.
    # The handler fans out every event not yet fanned out, oldest first, so extra jobs find nothing.
    await jobs.enqueue(FAN_OUT, {"event": str(event_id)})
    return event_id

"""Shared code of the misuse-detection tests: run service coroutines on the app's loop, read signals back."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.venues.helpers import World

__all__ = ["World", "signals_between", "use"]


async def signals_between(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Every signal whose pattern lies in [start, end] (call on the app's loop)."""
    from backend.enforcement.tables import Signal

    return await Signal.select().where((Signal.window_end >= start) & (Signal.window_end <= end)).output(load_json=True).run()


def use(at: dt.datetime, venue: uuid.UUID, *, result: str = "valid", card: uuid.UUID | None = None, scanner=None, key=None):
    """A Use for the pure rules."""
    from backend.enforcement.signals import Use

    return Use(
        id=uuid.uuid4(),
        at=at,
        venue=venue,
        scanner=scanner or venue,
        scenario="transit_ride",
        result=result,
        card=card,
        person=None,
        device_key=key,
    )

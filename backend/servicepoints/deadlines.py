"""When a ticket must be answered (docs/tickets.md): consultations within 5 working days,
complaints within 15 days, counted in China Standard Time and due at the end of the last day.

Pure functions of their inputs: the clock is a parameter, so a test can place a ticket in the past.
"""

from __future__ import annotations

import datetime as dt

from backend.servicepoints.vocab import ANSWER_WITHIN, CST, WAITING


def due(kind: str, start: dt.datetime) -> dt.datetime:
    """The moment (UTC) by which a ticket of `kind` received at `start` must be answered: the end
    (midnight CST) of the last day allowed. Day one is the day after receipt; working days are
    Monday to Friday (the system holds no holiday calendar, so public holidays count as working days)."""
    unit, count = ANSWER_WITHIN[kind]
    day = start.astimezone(CST).date()
    if unit == "working_days":
        left = count
        while left:
            day += dt.timedelta(days=1)
            if day.isoweekday() <= 5:
                left -= 1
    else:
        day += dt.timedelta(days=count)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST).astimezone(dt.UTC)


def is_overdue(status: str, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Still waiting for an answer (open or in progress) past its due moment."""
    return due_at is not None and status in WAITING and due_at <= now

"""What other features call to tell a holder something: one notice in their inbox, pushed where allowed."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping

import msgspec

from backend.identity.protect import redact
from backend.inbox import push
from backend.inbox.events import EVENT_NAME, EVENTS
from backend.inbox.push import running as running  # re-exported: the app starts the sender in its lifespan
from backend.inbox.tables import Notice

log = logging.getLogger("yikatong.inbox")

MAX_PARAMS = 12
MAX_TEXT = 200


def _moment(now: int | dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(now, dt.datetime):
        return now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    precise = dt.datetime.now(dt.UTC)
    if 0 <= precise.timestamp() - now < 2:
        # Callers pass whole seconds; within the same second two notices would list in random
        # order (a refusal after the success it preceded), so the clock's own fraction is kept.
        return precise
    return dt.datetime.fromtimestamp(now, dt.UTC)


def _clean(params: Mapping[str, str | int | None] | None) -> dict[str, str | int | bool | None]:
    """The facts a notice keeps: short, plain values; text with anything like an identity number
    in it redacted (an agency's free-text purpose, say): a notice never holds one."""
    clean: dict[str, str | int | bool | None] = {}
    for key, value in list((params or {}).items())[:MAX_PARAMS]:
        name = str(key)[:32]
        if value is None or isinstance(value, (bool, int)):
            clean[name] = value
        else:
            clean[name] = redact(str(value))[:MAX_TEXT]
    return clean


async def tell(
    person_id: uuid.UUID | str,
    event: str,
    params: Mapping[str, str | int | None] | None = None,
    *,
    now: int | dt.datetime | None = None,
) -> None:
    """Put a notice of `event` (a dotted name from inbox/events.py) in the person's inbox.

    Call it inside the transaction that makes the change, so the notice and the change commit
    together; the push to the holder's browsers is sent after the commit, by the worker's sender
    (push.py), and never delays or fails the caller. `now`: epoch seconds or an aware datetime.
    """
    if not EVENT_NAME.fullmatch(event):
        raise ValueError(f"not an event name: {event!r}")
    if event not in EVENTS:
        log.warning("inbox: notice of an event the inbox does not know yet: %s", event)
    await Notice.insert(
        Notice(
            id=uuid.uuid4(),
            person=uuid.UUID(str(person_id)),
            event=event,
            params=msgspec.json.encode(_clean(params)).decode(),
            created_at=_moment(now),
            read_at=None,
            push_state="pending",
            push_attempts=0,
            push_next_at=None,
            push_done="",
        )
    ).run()
    push.told()

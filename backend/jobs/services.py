"""The jobs feature's face: enqueue inside your transaction; handlers are registered by the assembly."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.jobs.tables import Job
from backend.keys.keyring import KeyStore
from backend.lib import db
from backend.lib.settings import Settings

Payload = Mapping[str, str | int | bool | None | list[str]]


@dataclass(frozen=True)
class Context:
    """What a handler may need beyond its payload: the worker's settings and keys."""

    settings: Settings
    keystore: KeyStore


# A job's handler: gets the decoded payload; runs outside any transaction and opens its own.
# It may run more than once for one job (a worker killed after the handler's commit, before the
# job is marked done), so it must be idempotent: decide from the state it reads, by compare-and-set.
Handler = Callable[[dict[str, Any], Context], Awaitable[None]]


def _utc(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


async def enqueue(
    kind: str, payload: Payload, *, key: str | None = None, run_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> bool:
    """Add a job. Call it inside the transaction of the change the job follows from, so both commit
    or neither does (the transactional outbox). With `key`, a second job with the same key while the
    first exists is not added (returns False); the key is freed when the job is done."""
    now = _utc(now)
    row = {
        "id": uuid.uuid4(),
        "kind": kind,
        "payload": msgspec.json.encode(dict(payload)).decode(),
        "key": key,
        "state": "ready",
        "run_at": run_at or now,
        "locked_until": None,
        "locked_by": "",
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "done_at": None,
    }
    written = await db.insert_rows(Job, [row], skip_conflicts=key is not None)
    return key is None or bool(written)


async def enqueue_many(kind: str, payloads: list[Payload], *, now: dt.datetime | None = None) -> int:
    """Add one job per payload (no keys), in one statement; inside the caller's transaction."""
    now = _utc(now)
    rows = [
        {
            "id": uuid.uuid4(),
            "kind": kind,
            "payload": msgspec.json.encode(dict(p)).decode(),
            "key": None,
            "state": "ready",
            "run_at": now,
            "locked_until": None,
            "locked_by": "",
            "attempts": 0,
            "last_error": "",
            "created_at": now,
            "done_at": None,
        }
        for p in payloads
    ]
    if rows:
        await db.insert_rows(Job, rows)
    return len(rows)

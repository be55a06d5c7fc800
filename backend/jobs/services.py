"""The jobs feature's face: enqueue inside your transaction; handlers are registered by the assembly."""

from __future__ import annotations

import asyncio
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


def _row(kind: str, payload: Payload, *, key: str | None, run_at: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """A ready job as one jobs_job row."""
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "payload": msgspec.json.encode(dict(payload)).decode(),
        "key": key,
        "state": "ready",
        "run_at": run_at,
        "locked_until": None,
        "locked_by": "",
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "done_at": None,
    }


async def enqueue(
    kind: str, payload: Payload, *, key: str | None = None, run_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> bool:
    """Add a job. Call it inside the transaction of the change the job follows from, so both commit
    or neither does (the transactional outbox). With `key`, a second job with the same key while the
    first exists is not added (returns False); the key is freed when the job is done."""
    now = _utc(now)
    row = _row(kind, payload, key=key, run_at=run_at or now, now=now)
    written = await db.insert_rows(Job, [row], skip_conflicts=key is not None)
    wake()
    return key is None or bool(written)


async def enqueue_many(kind: str, payloads: list[Payload], *, now: dt.datetime | None = None) -> int:
    """Add one job per payload (no keys), in one statement; inside the caller's transaction."""
    now = _utc(now)
    rows = [_row(kind, p, key=None, run_at=now, now=now) for p in payloads]
    if rows:
        await db.insert_rows(Job, rows)
        wake()
    return len(rows)


# -- waking this process's workers ---------------------------------------------------------
# Workers (backend/jobs/runner.py) poll, but a job added in this process should not wait for the
# next poll: `enqueue` wakes the workers of its event loop once the transaction has committed
# (before that, a worker would not see the row). Other processes find it at their next poll.

_listeners: dict[asyncio.AbstractEventLoop, set[Callable[[], None]]] = {}
_watched: dict[asyncio.AbstractEventLoop, dict[int, tuple[Any, float]]] = {}
_watchers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
WATCH_SECONDS = 120.0  # how long a transaction is watched; after that the workers' poll finds its jobs


def listen(callback: Callable[[], None]) -> Callable[[], None]:
    """Have `callback` called (on this event loop) when a job is added here; returns the undo."""
    loop = asyncio.get_running_loop()
    _listeners.setdefault(loop, set()).add(callback)

    def undo() -> None:
        callbacks = _listeners.get(loop)
        if callbacks is not None:
            callbacks.discard(callback)
            if not callbacks:
                del _listeners[loop]

    return undo


def wake() -> None:
    """Tell this process's workers that jobs were added: now, or when the current transaction has
    committed (nothing, if it rolls back). Cheap, and never fails the caller."""
    loop = asyncio.get_running_loop()
    if not _listeners.get(loop):
        return
    txn = db.engine().current_transaction.get()
    if txn is None:
        _call_listeners(loop)
        return
    # Piccolo has no after-commit hook: watch the transaction's end (as inbox/push.py does).
    _watched.setdefault(loop, {})[id(txn)] = (txn, loop.time() + WATCH_SECONDS)
    watcher = _watchers.get(loop)
    if watcher is None or watcher.done():
        _watchers[loop] = loop.create_task(_watch(loop))


def _call_listeners(loop: asyncio.AbstractEventLoop) -> None:
    for callback in list(_listeners.get(loop, ())):
        callback()


async def _watch(loop: asyncio.AbstractEventLoop) -> None:
    delay = 0.002
    watched = _watched.get(loop, {})
    while watched:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
        committed = False
        for key, (txn, deadline) in list(watched.items()):
            done = getattr(txn, "_committed", False)
            if done or getattr(txn, "_rolled_back", False) or loop.time() > deadline:
                committed = committed or done
                del watched[key]
        if committed:
            _call_listeners(loop)
    _watched.pop(loop, None)
    _watchers.pop(loop, None)

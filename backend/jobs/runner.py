"""The outbox's runner: claim due jobs under a lease, run their handlers, settle them (docs/jobs.md)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import random
import re
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

import msgspec

from backend.jobs import services
from backend.jobs.services import Context, Handler
from backend.jobs.workers import FORGET_DONE
from backend.keys.keyring import KeyStore
from backend.lib import db, logs
from backend.lib.faults import crash_point
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.jobs")

Handlers = Mapping[str, Handler]
# Jobs a worker adds by the clock (job kind -> its period in seconds, from the settings): one job per
# period, keyed by it, so several workers add it once (a feature's workers.py lists them in PERIODIC).
Periodic = Mapping[str, Callable[[Settings], float]]

ERROR_CHARS = 300  # last_error keeps this much of the failure (the column holds 500)
STOP_SECONDS = 10.0  # how long stopping waits for the jobs in hand before abandoning them
FORGET_EVERY = 6 * 3600.0  # a long-running worker adds a jobs.forget_done job this often (one at a time: keyed)
_DIGIT_RUNS = re.compile(r"[0-9]{8,}", re.ASCII)  # identity, card and account numbers alike

_DUE = "state = 'ready' AND run_at <= {} AND (locked_until IS NULL OR locked_until <= {})"
# One statement: pick the due jobs no one else is picking (SKIP LOCKED), lease them, return them.
_CLAIM_PG = (
    "UPDATE jobs_job SET locked_until = {}, locked_by = {}, attempts = attempts + 1 "
    f"WHERE id IN (SELECT id FROM jobs_job WHERE {_DUE} ORDER BY run_at LIMIT {{}} FOR UPDATE SKIP LOCKED) "
    "RETURNING id, kind, payload, attempts"
)
# SQLite has one writer at a time (the IMMEDIATE transaction around it): no row locks to skip.
_CLAIM_SQLITE = (
    "UPDATE jobs_job SET locked_until = {}, locked_by = {}, attempts = attempts + 1 "
    f"WHERE id IN (SELECT id FROM jobs_job WHERE {_DUE} ORDER BY run_at LIMIT {{}}) "
    "RETURNING id, kind, payload, attempts"
)
_ANY_DUE = f"SELECT id FROM jobs_job WHERE {_DUE} LIMIT 1"
# Every settling statement holds only while the job is still this claim's: same worker, same
# attempt (a fencing token: a worker whose lease ran out and was taken over cannot settle the job).
_OURS = "id = {} AND state = 'ready' AND locked_by = {} AND attempts = {}"
_DONE = f"UPDATE jobs_job SET state = 'done', done_at = {{}}, \"key\" = NULL, locked_until = NULL WHERE {_OURS} RETURNING id"
_RETRY = f"UPDATE jobs_job SET run_at = {{}}, last_error = {{}}, locked_until = NULL, locked_by = '' WHERE {_OURS} RETURNING id"
_DEAD = (
    "UPDATE jobs_job SET state = 'dead', done_at = {}, last_error = {}, \"key\" = NULL, locked_until = NULL "
    f"WHERE {_OURS} RETURNING id"
)
_EXTEND = f"UPDATE jobs_job SET locked_until = {{}} WHERE {_OURS} RETURNING id"
# A job abandoned by a stopping worker goes back at once, its attempt not counted.
_RELEASE = f"UPDATE jobs_job SET locked_until = NULL, locked_by = '', attempts = attempts - 1 WHERE {_OURS} RETURNING id"


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds the lease of."""

    id: uuid.UUID
    kind: str
    payload: str
    attempts: int  # with this claim's


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_name(role: str) -> str:
    """Who holds a lease: host, process and a random part (two workers of one process differ)."""
    return f"{role}:{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(4)}"


async def _write(sql: str, *args: object) -> list[dict[str, object]]:
    """One writing statement in a small transaction of its own (IMMEDIATE on SQLite)."""
    async with db.transaction():
        rows = await db.fetch(sql, *args)
    return rows


async def claim(owner: str, n: int, settings: Settings) -> list[Claimed]:
    """Lease up to `n` due jobs (oldest due first) to `owner` for the lease time; one attempt each."""
    if n <= 0:
        return []
    now = _now()
    until = now + dt.timedelta(seconds=settings.jobs_lease_seconds)
    if db.is_sqlite():
        # Nothing due, no write lock: an idle worker's look costs one read.
        if not await db.fetch(_ANY_DUE, now, now):
            return []
        rows = await _write(_CLAIM_SQLITE, until, owner, now, now, n)
    else:
        rows = await db.fetch(_CLAIM_PG, until, owner, now, now, n)
    return [Claimed(uuid.UUID(str(r["id"])), str(r["kind"]), str(r["payload"]), int(str(r["attempts"]))) for r in rows]


def backoff(attempts: int, settings: Settings) -> dt.timedelta:
    """The wait after the `attempts`-th failure: base, 2 x base, 4 x base ... up to the cap, each
    drawn between 3/4 and 5/4 of that (jitter, so failures of one moment do not return together)."""
    base = settings.jobs_backoff_seconds * 2 ** min(max(attempts - 1, 0), 40)
    return dt.timedelta(seconds=min(base * random.uniform(0.75, 1.25), settings.jobs_backoff_max_seconds))


def describe(exc: BaseException) -> str:
    """A failure as last_error keeps it: short, with no identity, card or account number."""
    text = f"{type(exc).__name__}: {exc}".strip()
    return _DIGIT_RUNS.sub("[redacted]", logs.redact(text))[:ERROR_CHARS]


async def _bury(job: Claimed, owner: str, why: str) -> None:
    """Dead: kept for staff to see, never run again; its key is free for a new job."""
    await _write(_DEAD, _now(), why[:ERROR_CHARS], job.id, owner, job.attempts)
    log.error("job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempts, why)


async def _failed(job: Claimed, owner: str, exc: Exception, settings: Settings) -> None:
    why = describe(exc)
    if job.attempts >= settings.jobs_max_attempts:
        await _bury(job, owner, why)
        return
    wait = backoff(job.attempts, settings)
    await _write(_RETRY, _now() + wait, why, job.id, owner, job.attempts)
    log.warning(
        "job %s (%s) failed (attempt %d of %d), again in %.1f s: %s",
        job.id,
        job.kind,
        job.attempts,
        settings.jobs_max_attempts,
        wait.total_seconds(),
        why,
    )


async def _keep_lease(job: Claimed, owner: str, settings: Settings) -> None:
    """Renew the lease while the handler runs, so a long job is not taken over by another worker."""
    lease = dt.timedelta(seconds=settings.jobs_lease_seconds)
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        with contextlib.suppress(Exception):  # a missed renewal only risks a second run, which handlers bear
            if not await _write(_EXTEND, _now() + lease, job.id, owner, job.attempts):
                return  # no longer ours


async def run_one(job: Claimed, handlers: Handlers, ctx: Context, owner: str) -> None:
    """Run a claimed job's handler and settle the job: done, retried later, or dead."""
    settings = ctx.settings
    crash_point("jobs.claimed")
    handler = handlers.get(job.kind)
    if handler is None:
        await _bury(job, owner, f"unknown job kind {job.kind!r}: no handler for it in this worker")
        return
    if job.attempts > settings.jobs_max_attempts:
        # Leases ran out this often without a result: its workers died on it (a poison job).
        await _bury(job, owner, f"abandoned: its workers stopped during it {job.attempts - 1} times")
        return
    try:
        payload = json.loads(job.payload)
    except ValueError as exc:
        await _bury(job, owner, f"payload is not JSON: {describe(exc)}")
        return
    keeper = asyncio.create_task(_keep_lease(job, owner, settings))
    try:
        await handler(payload, ctx)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a handler is the job's: recorded, retried, or dead
        await _failed(job, owner, exc, settings)
        return
    finally:
        keeper.cancel()
    crash_point("jobs.handled")
    if not await _write(_DONE, _now(), job.id, owner, job.attempts):
        log.info("job %s (%s) ran, but its lease had passed to another worker", job.id, job.kind)
    crash_point("jobs.done")


async def _run_guarded(job: Claimed, handlers: Handlers, ctx: Context, owner: str) -> None:
    try:
        await run_one(job, handlers, ctx, owner)
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - settling failed (database gone): the lease runs out and the job runs again
        log.warning("job %s (%s) could not be settled", job.id, job.kind, exc_info=True)


async def drain(handlers: Handlers, ctx: Context, *, limit: int | None = None) -> int:
    """Run every due job in this process, `jobs_concurrency` at a time, until none is due (or
    `limit` have run); returns how many ran. Jobs that this process's workers hold are waited
    for (and counted), so when it returns nothing due is left here. Not inside a transaction."""
    if db.in_transaction():
        raise RuntimeError("drain runs handlers, which open their own transactions: call it outside one")
    owner = worker_name("drain")
    ran = 0
    while limit is None or ran < limit:
        n = ctx.settings.jobs_concurrency if limit is None else min(ctx.settings.jobs_concurrency, limit - ran)
        jobs = await claim(owner, n, ctx.settings)
        if not jobs:
            finished = await _wait_for_local_workers()
            if finished is None:
                break
            ran += finished
            continue
        await asyncio.gather(*(_run_guarded(job, handlers, ctx, owner) for job in jobs))
        ran += len(jobs)
    return ran


# -- the long-running worker -------------------------------------------------------------------

# The workers running on each event loop (tests run several apps, each on its own loop).
_workers: dict[asyncio.AbstractEventLoop, set[Worker]] = {}


async def _wait_for_local_workers() -> int | None:
    """Wait for the jobs this loop's workers have in hand; how many finished, None if they had none."""
    busy = [w for w in _workers.get(asyncio.get_running_loop(), ()) if w.in_hand]
    if not busy:
        return None
    counts = [await w.settled() for w in busy]
    return sum(counts)


class Worker:
    """Polls for due jobs (woken at once by `services.wake` for jobs added in this process), runs
    up to `concurrency` handlers at once, each under a lease it renews while the handler runs."""

    def __init__(
        self,
        handlers: Handlers,
        ctx: Context,
        *,
        concurrency: int | None = None,
        name: str | None = None,
        periodic: Periodic | None = None,
    ) -> None:
        self.handlers = handlers
        self.ctx = ctx
        self.periodic = dict(periodic or {})
        # The period each periodic job was last added for: the first comes at the next boundary,
        # not at start-up (a restart loop must not run them over and over).
        self._slots = {kind: self._slot(kind) for kind in self.periodic}
        self.concurrency = concurrency or ctx.settings.jobs_concurrency
        self.name = name or worker_name("worker")
        self.finished = 0  # jobs this worker has run
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: dict[uuid.UUID, tuple[Claimed, asyncio.Task[None]]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._unlisten: Callable[[], None] | None = None

    def _slot(self, kind: str) -> int:
        return int(time.time() // max(1.0, float(self.periodic[kind](self.ctx.settings))))

    async def _add_periodic(self) -> None:
        """Add each periodic job whose period has come round (keyed: one per period, whoever adds it)."""
        for kind in self.periodic:
            slot = self._slot(kind)
            if slot == self._slots[kind]:
                continue
            try:
                async with db.transaction():
                    # The key stops a second worker while the job waits or runs; once it is done the
                    # key is freed, and the row itself (kept until forgotten) says the period had its job.
                    payload = msgspec.json.encode({"slot": slot}).decode()
                    await db.advisory_lock(f"periodic:{kind}:{slot}")  # one adder at a time sees the others' rows
                    if not await db.fetch_one("SELECT id FROM jobs_job WHERE kind = {} AND payload = {}", kind, payload):
                        await services.enqueue(kind, {"slot": slot}, key=f"periodic:{kind}:{slot}")
                self._slots[kind] = slot
            except Exception:  # noqa: BLE001 - housekeeping: a database hiccup is tried again at the next poll
                log.warning("jobs: adding the periodic job %s failed", kind, exc_info=True)

    @property
    def in_hand(self) -> int:
        return len(self._tasks)

    async def settled(self) -> int:
        """Wait until the jobs in hand now have finished; how many jobs finished meanwhile."""
        before = self.finished
        tasks = [task for _, task in self._tasks.values()]
        if tasks:
            await asyncio.wait(tasks)
        return self.finished - before

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        _workers.setdefault(loop, set()).add(self)
        self._unlisten = services.listen(self._wake.set)
        self._loop_task = asyncio.create_task(self._run())

    async def stop(self, grace: float = STOP_SECONDS) -> None:
        """Stop claiming; let the jobs in hand finish for up to `grace` seconds, then abandon the
        rest (their leases are released, so any worker runs them again at once)."""
        self._stopping = True
        self._wake.set()
        if self._unlisten is not None:
            self._unlisten()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self._tasks:
            await asyncio.wait([task for _, task in self._tasks.values()], timeout=grace)
        for job, task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):  # the database may be gone: then the lease runs out instead
                await asyncio.wait_for(_write(_RELEASE, job.id, self.name, job.attempts), timeout=2)
            log.warning("job %s (%s) abandoned by a stopping worker; it runs again", job.id, job.kind)
        loop_workers = _workers.get(asyncio.get_running_loop())
        if loop_workers is not None:
            loop_workers.discard(self)

    async def wait(self) -> None:
        """Until the worker's loop ends (after `stop`)."""
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    async def _run(self) -> None:
        poll = self.ctx.settings.jobs_poll_seconds
        loop = asyncio.get_running_loop()
        forget_at = loop.time() + FORGET_EVERY
        while not self._stopping:
            self._wake.clear()
            if loop.time() >= forget_at:
                forget_at = loop.time() + FORGET_EVERY
                with contextlib.suppress(Exception):  # housekeeping: the next round tries again
                    async with db.transaction():
                        await services.enqueue(FORGET_DONE, {}, key=FORGET_DONE)
            if self.periodic:
                await self._add_periodic()
            free = self.concurrency - len(self._tasks)
            if free > 0:
                try:
                    jobs = await claim(self.name, free, self.ctx.settings)
                except Exception:  # noqa: BLE001 - a database hiccup must not end the worker: the next poll tries again
                    log.warning("jobs: claiming failed", exc_info=True)
                    jobs = []
                    await asyncio.sleep(poll * random.uniform(1, 4))
                for job in jobs:
                    self._start(job)
                if len(jobs) == free:
                    continue  # more may be due: claim again when a slot frees (it wakes us)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll):
                    await self._wake.wait()

    def _start(self, job: Claimed) -> None:
        task = asyncio.create_task(_run_guarded(job, self.handlers, self.ctx, self.name))
        self._tasks[job.id] = (job, task)

        def finished(_: asyncio.Task[None]) -> None:
            self._tasks.pop(job.id, None)
            if not _.cancelled():
                self.finished += 1
            self._wake.set()  # a slot is free

        task.add_done_callback(finished)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, keystore: KeyStore, handlers: Handlers, periodic: Periodic | None = None
) -> AsyncIterator[Worker | None]:
    """The embedded worker for the app's lifespan (inside the database's): started when
    `jobs_embedded` is on, stopped before the database closes. Off: jobs wait for `yikatong worker`."""
    if not settings.jobs_embedded:
        yield None
        return
    worker = Worker(handlers, Context(settings=settings, keystore=keystore), name=worker_name("serve"), periodic=periodic)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


async def stats() -> dict[str, int]:
    """Jobs by state (ready, done, dead), how many ready ones are due now, and the age in seconds
    of the oldest due one (0 when none): for health checks and metrics."""
    now = _now()
    counts = {"ready": 0, "done": 0, "dead": 0}
    for row in await db.fetch("SELECT state, COUNT(*) AS n FROM jobs_job GROUP BY state"):
        counts[str(row["state"])] = int(str(row["n"]))
    oldest = await db.fetch_one(f"SELECT MIN(run_at) AS at, COUNT(*) AS n FROM jobs_job WHERE {_DUE}", now, now)
    due = int(str(oldest["n"])) if oldest else 0
    age = 0
    if oldest and oldest["at"] is not None:
        age = max(0, int((now - db.time_column(oldest["at"])).total_seconds()))
    return {**counts, "due": due, "oldest_due_seconds": age}

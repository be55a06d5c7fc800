"""Web Push: the outbox sender. Notices wait in `inbox_notice` with push_state `pending`; a sender
running in each worker's lifespan pushes them to the holder's browsers after the commit that wrote
them, retries what a push service could not take, and forgets subscriptions a push service says are
gone (404, 410). Nothing here can fail or slow the caller of `tell`: it only wakes the sender.

A push is signed with VAPID (RFC 8292, the keyring's P-256 key) and encrypted to the browser's
key (RFC 8291, aes128gcm), through pywebpush. It carries the event, the notice id and a short line
in the subscription's language: never a name, a card or an identity number (docs/inbox.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.postgres import PostgresTransaction
from piccolo.engine.sqlite import SQLiteTransaction
from py_vapid import Vapid02  # type: ignore[import-untyped]  # ships no type information
from pywebpush import WebPusher  # type: ignore[import-untyped]  # ships no type information

from backend.inbox.events import push_text
from backend.inbox.tables import Notice, PushSubscription
from backend.keys.keyring import KeyStore, KeyStoreError
from backend.lib import db
from backend.lib.settings import Settings

log = logging.getLogger("yikatong.inbox.push")

TTL_SECONDS = 24 * 3600  # a push service keeps an undelivered push this long (the TTL header)
MAX_AGE = dt.timedelta(seconds=TTL_SECONDS)  # an older pending notice is not pushed any more
MAX_ATTEMPTS = 6
LEASE = dt.timedelta(seconds=60)  # a sender holds a notice this long while pushing it
SWEEP_SECONDS = 15.0  # every worker looks at the outbox at least this often
BATCH = 50
PARALLEL = 8  # pushes in flight per worker
REQUEST_TIMEOUT = 10.0
STOP_SECONDS = REQUEST_TIMEOUT + 2  # how long stopping waits for the sweep under way
WATCH_SECONDS = 120.0  # how long a told notice's transaction is waited for before a plain sweep takes over
JWT_HOURS = 12


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min... up to an hour, with jitter: after `attempts` failed tries."""
    seconds = min(3600, 30 * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Sender:
    """The outbox's sender in one worker: wakes when told, sweeps on a timer, pushes in parallel."""

    def __init__(self, settings: Settings, keystore: KeyStore) -> None:
        self.settings = settings
        self.keystore = keystore
        self._stopping = False
        self._wake = asyncio.Event()
        self._watched: list[tuple[SQLiteTransaction | PostgresTransaction, float]] = []
        self._watcher: asyncio.Task[None] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._vapid: tuple[bytes, Vapid02] | None = None
        self._limit = asyncio.Semaphore(PARALLEL)

    # -- waking ----------------------------------------------------------
    def told(self) -> None:
        """A notice was written: push it once its transaction has committed."""
        txn = db.engine().current_transaction.get()
        if txn is None:
            self._wake.set()
            return
        # Piccolo has no after-commit hook: watch the outermost transaction's end instead.
        self._watched.append((txn, asyncio.get_running_loop().time() + WATCH_SECONDS))
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.002
        while self._watched:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
            still = []
            for txn, deadline in self._watched:
                committed = getattr(txn, "_committed", False)
                if committed or getattr(txn, "_rolled_back", False) or loop.time() > deadline:
                    if committed:
                        self._wake.set()
                else:
                    still.append((txn, deadline))
            self._watched = still

    # -- running ---------------------------------------------------------
    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        self._loop_task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        # The loop sees the flag and ends by itself after the query or push under way, so no
        # database call is left running into a closed event loop; only a loop stuck longer than
        # a push's own timeout is cancelled.
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            done, _ = await asyncio.wait({self._loop_task}, timeout=STOP_SECONDS)
            if not done:
                self._loop_task.cancel()
        for task in (self._loop_task, self._watcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        self._wake.set()  # what earlier runs left pending goes out at start
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SWEEP_SECONDS):
                    await self._wake.wait()
            if self._stopping:
                return
            self._wake.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the sender: the next sweep retries
                log.warning("push outbox sweep failed", exc_info=True)

    async def drain(self) -> int:
        """Push every notice that is due now; returns how many this call took up."""
        taken = 0
        while not self._stopping:
            now = _utcnow()
            rows = await (
                Notice.select(Notice.id, Notice.push_attempts, Notice.push_next_at)
                .where((Notice.push_state == "pending") & ((Notice.push_next_at.is_null()) | (Notice.push_next_at <= now)))
                .order_by(Notice.created_at)
                .limit(BATCH)
                .run()
            )
            claimed = [row for row in rows if await self._claim(row, now)]
            if claimed:
                await asyncio.gather(*(self._deliver_one(row["id"]) for row in claimed))
            taken += len(claimed)
            if len(rows) < BATCH:
                return taken
        return taken  # stopping: what is left goes out at the next start

    async def _claim(self, row: dict[str, Any], now: dt.datetime) -> bool:
        """Lease the notice to this sender (compare-and-set on its attempt count): one worker pushes it."""
        changed = (
            await Notice.update({Notice.push_attempts: row["push_attempts"] + 1, Notice.push_next_at: now + LEASE})
            .where((Notice.id == row["id"]) & (Notice.push_state == "pending") & (Notice.push_attempts == row["push_attempts"]))
            .returning(Notice.id)
            .run()
        )
        return bool(changed)

    async def _deliver_one(self, notice_id: uuid.UUID) -> None:
        async with self._limit:
            try:
                await self.deliver(notice_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one notice's failure must not stop the others; its lease runs out and it is retried
                log.warning("push of a notice failed", exc_info=True)

    # -- one notice ------------------------------------------------------
    async def deliver(self, notice_id: uuid.UUID) -> str:
        """Push one leased notice to each live subscription of its person; returns its new push state."""
        notice = await Notice.select().where(Notice.id == notice_id).first().run()
        if notice is None or notice["push_state"] != "pending":
            return "gone"
        now = _utcnow()
        if now - db.time_column(notice["created_at"]) > MAX_AGE:
            return await self._settle(notice_id, "expired")
        done = {part for part in notice["push_done"].split(",") if part}
        subscriptions = await (
            PushSubscription.select()
            .where((PushSubscription.person == notice["person"]) & PushSubscription.gone_at.is_null())
            .run()
        )
        todo = [s for s in subscriptions if str(s["id"]) not in done]
        if not subscriptions:
            return await self._settle(notice_id, "none")
        vapid = self._signer()
        if vapid is None:
            return await self._settle(notice_id, "none")
        outcomes = await asyncio.gather(*(self._push(vapid, notice, s) for s in todo))
        reached = [str(s["id"]) for s, ok in zip(todo, outcomes, strict=True) if ok is True]
        retry = any(ok is None for ok in outcomes)
        done |= set(reached)
        if not retry:
            return await self._settle(notice_id, "sent", done)
        if notice["push_attempts"] >= MAX_ATTEMPTS:
            return await self._settle(notice_id, "failed", done)
        await (
            Notice.update({Notice.push_done: ",".join(sorted(done)), Notice.push_next_at: now + backoff(notice["push_attempts"])})
            .where(Notice.id == notice_id)
            .run()
        )
        return "pending"

    async def _settle(self, notice_id: uuid.UUID, state: str, done: set[str] | None = None) -> str:
        values: dict[Any, Any] = {Notice.push_state: state, Notice.push_next_at: None}
        if done is not None:
            values[Notice.push_done] = ",".join(sorted(done))
        await Notice.update(values).where(Notice.id == notice_id).run()
        return state

    def _signer(self) -> Vapid02 | None:
        try:
            private = self.keystore.load().vapid
        except KeyStoreError:
            log.warning("push: the keyring cannot be read", exc_info=True)
            return None
        if private is None:
            log.warning("push: the keyring has no VAPID key; run `yikatong keys init`")
            return None
        if self._vapid is None or self._vapid[0] != private:
            key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
            self._vapid = (private, Vapid02(private_key=key))
        return self._vapid[1]

    async def _push(self, vapid: Vapid02, notice: dict[str, Any], sub: dict[str, Any]) -> bool | None:
        """True: the push service took it; False: never again (the subscription is gone, or the
        service refuses this push for good); None: try again later."""
        title, body = push_text(notice["event"], sub["lang"])
        payload = json.dumps(
            {"id": str(notice["id"]), "event": notice["event"], "title": title, "body": body, "url": "/wallet/#/inbox"},
            ensure_ascii=False,
        )
        parts = urlsplit(sub["endpoint"])
        claims: dict[str, str | int] = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "sub": self.settings.vapid_subject,
            "exp": int(_utcnow().timestamp()) + JWT_HOURS * 3600,
        }
        headers = {
            **vapid.sign(claims),
            "Urgency": "high" if notice["event"].startswith("card.") else "normal",
            # The push service keeps one undelivered push per topic: a retry replaces, never doubles.
            "Topic": uuid.UUID(str(notice["id"])).hex,
        }
        info = {"endpoint": sub["endpoint"], "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]}}
        try:
            response = await WebPusher(info, aiohttp_session=self._session).send_async(
                payload.encode(), headers, ttl=TTL_SECONDS, content_encoding="aes128gcm", timeout=None
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.info("push service unreachable: %s (%s)", parts.netloc, type(exc).__name__)
            return None
        status = getattr(response, "status", 0)
        now = _utcnow()
        if 200 <= status < 300:
            await PushSubscription.update({PushSubscription.last_ok_at: now}).where(PushSubscription.id == sub["id"]).run()
            return True
        if status in (404, 410):
            await PushSubscription.update({PushSubscription.gone_at: now}).where(PushSubscription.id == sub["id"]).run()
            log.info("push subscription gone (%s from %s)", status, parts.netloc)
            return False
        if status in (400, 401, 403, 413):
            log.warning("push service %s refused a push with %s", parts.netloc, status)
            return False
        return None  # 429, 5xx: the push service asks us to come back later


# The sender of each running app, by its event loop (tests run several apps, each on its own loop).
_senders: dict[asyncio.AbstractEventLoop, Sender] = {}


def told() -> None:
    """Called by `tell` after writing a notice: wake this loop's sender (if push runs here)."""
    sender = _senders.get(asyncio.get_running_loop())
    if sender is not None:
        sender.told()


def current() -> Sender | None:
    return _senders.get(asyncio.get_running_loop())


@contextlib.asynccontextmanager
async def running(settings: Settings, keystore: KeyStore) -> AsyncIterator[Sender | None]:
    """The sender for the app's lifespan (inside the database's): started, and stopped before the
    database closes. With push off in the settings there is none: notices stay pending."""
    if not settings.push_enabled:
        yield None
        return
    if not settings.vapid_subject.startswith(("mailto:", "https://")):
        raise RuntimeError("YIKATONG_VAPID_SUBJECT must be a mailto: or https: URI (RFC 8292)")
    sender = Sender(settings, keystore)
    await sender.start()
    loop = asyncio.get_running_loop()
    _senders[loop] = sender
    try:
        yield sender
    finally:
        if _senders.get(loop) is sender:
            del _senders[loop]
        await sender.stop()

"""Shared fast state (one-time code use, rate limits, caches): Redis, or an embedded twin.

Every operation touches one key, so the same calls work on Redis Cluster. The embedded
store gives the same atomicity within one process (the event loop runs each call whole).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from backend.lib.batching import Batcher
from backend.lib.redis_wire import Wire, pack

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.cluster import RedisCluster

# Commands that change nothing, so running one twice is the same as running it once: the only
# ones re-sent after a connection failed with them on it. Every write is left out on purpose,
# not only the obviously unsafe ones. A claim (SET NX GET) re-sent after the first copy ran
# would read back our own value and report our own first scan as a replay by someone else; INCR
# would count twice; a re-sent DEL that releases a claim could delete the claim another worker
# made in between, and let that code be used twice.
_READ_ONLY = frozenset({"GET", "TTL", "PTTL", "EXISTS", "PING"})


# runtime_checkable: handlers declare `store: Store` and Litestar isinstance-checks dependencies.
@runtime_checkable
class Store(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl: int | None = None) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def claim(self, key: str, value: str, ttl: int) -> str | None:
        """Set key to value if absent; return the value already there (None if we set it)."""

    async def incr(self, key: str, ttl: int) -> int:
        """Add one; the window starts (expiry set) with the first increment."""

    async def ttl(self, key: str) -> int:
        """Seconds left, or -2 if the key does not exist, -1 if it never expires."""

    async def get_and_incr(self, key: str, counter: str, ttl: int) -> tuple[str | None, int]:
        """`get(key)` and `incr(counter, ttl)` in one round trip (two keys, not one atomic step)."""

    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryStore:
    """Single-process stand-in for Redis with the same semantics."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._data: dict[str, tuple[str, float | None]] = {}

    def _live(self, key: str) -> tuple[str, float | None] | None:
        item = self._data.get(self.prefix + key)
        if item is None:
            return None
        if item[1] is not None and item[1] <= time.monotonic():
            del self._data[self.prefix + key]
            return None
        return item

    async def get(self, key: str) -> str | None:
        item = self._live(key)
        return item[0] if item else None

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._data[self.prefix + key] = (value, time.monotonic() + ttl if ttl else None)
        if len(self._data) > 100_000:
            self._sweep()

    async def delete(self, key: str) -> None:
        self._data.pop(self.prefix + key, None)

    async def claim(self, key: str, value: str, ttl: int) -> str | None:
        item = self._live(key)
        if item is not None:
            return item[0]
        await self.set(key, value, ttl)
        return None

    async def incr(self, key: str, ttl: int) -> int:
        item = self._live(key)
        if item is None:
            await self.set(key, "1", ttl)
            return 1
        count = int(item[0]) + 1
        self._data[self.prefix + key] = (str(count), item[1])
        return count

    async def get_and_incr(self, key: str, counter: str, ttl: int) -> tuple[str | None, int]:
        return await self.get(key), await self.incr(counter, ttl)

    async def ttl(self, key: str) -> int:
        item = self._live(key)
        if item is None:
            return -2
        if item[1] is None:
            return -1
        return max(0, int(item[1] - time.monotonic() + 0.999))

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
            del self._data[key]


# One store operation as Redis commands: (command args, option kwargs for redis-py's reply
# parsing, plus `reply=True` on the commands whose replies the operation returns).
_Op = list[tuple[tuple[Any, ...], dict[str, Any]]]


class RedisStore:
    """Redis (or Redis Cluster with a redis+cluster:// URL) behind the Store interface.

    Operations issued at the same moment by concurrent requests go out as one pipeline
    (auto-pipelining, as ioredis does): one round trip and one connection checkout per loop turn
    instead of per command, which is most of what a command costs a Python client. Pipelines are
    not transactions; each operation keeps its own atomicity (`SET NX GET` is one command).
    """

    def __init__(self, url: str, prefix: str = "yk:") -> None:
        self.client: Redis | RedisCluster
        # Plain TCP (the usual case) takes the lean path; TLS and Unix sockets keep redis-py's.
        self._wire: Wire | None = None
        if url.startswith("redis+cluster://"):
            from redis.asyncio.cluster import RedisCluster

            self.client = RedisCluster.from_url("redis://" + url.removeprefix("redis+cluster://"), decode_responses=True)
        else:
            from redis.asyncio import Redis

            client = Redis.from_url(url, decode_responses=True)
            self.client = client
            self._wire = Wire.for_pool(client.connection_pool)
        self.prefix = prefix
        self._cluster = url.startswith("redis+cluster://")
        self._pipeline = Batcher(self._run, max_batch=500)

    async def _run(self, ops: list[_Op]) -> list[Any]:
        """One pipeline for a batch of operations; each gets its first command's reply (or error),
        or the replies of the commands it marked with `reply=True` (a tuple)."""
        replies = await (self._cluster_replies(ops) if self._cluster else self._replies(ops))
        out: list[Any] = []
        at = 0
        for op in ops:
            mine = replies[at : at + len(op)]
            at += len(op)
            # An error in any command of an operation fails that operation.
            error = next((r for r in mine if isinstance(r, Exception)), None)
            if error is not None:
                out.append(error)
            elif any(options.get("reply") for _, options in op):
                out.append(tuple(r for r, (_, options) in zip(mine, op, strict=False) if options.get("reply")))
            else:
                out.append(mine[0])
        return out

    async def _cluster_replies(self, ops: list[_Op]) -> list[Any]:
        # redis-py's cluster pipeline routes each command to its slot's node.
        pipe = self.client.pipeline(transaction=False)
        for op in ops:
            for args, options in op:
                pipe.execute_command(*args, **{k: v for k, v in options.items() if k != "reply"})
        return await pipe.execute(raise_on_error=False)

    async def _replies(self, ops: list[_Op]) -> list[Any]:
        """Raw replies, in order. The commands are packed here and the replies read without
        redis-py's per-command machinery, which cost more CPU than the rest of a scan's store
        work (docs/verification.md). Every reply the store uses is the raw one (`SET ... GET`
        answers the old value; INCR, TTL integers)."""
        commands = [args for op in ops for args, _ in op]
        try:
            return await self._send(commands)
        except RedisConnectionError as error:
            if not getattr(error, "maybe_run", True):
                raise  # nothing was sent: Redis is out of reach, and trying again now would not help
            # The connection failed with the batch on it. Re-send, once and on a fresh
            # connection, the commands that may run twice (reads); every other command fails
            # with the connection error (503 for its request), whether or not it ran.
            again = [i for i, args in enumerate(commands) if args[0] in _READ_ONLY]
            if not again:
                raise
            replies: list[Any] = [error] * len(commands)
            for i, reply in zip(again, await self._send([commands[i] for i in again]), strict=False):
                replies[i] = reply
            return replies

    async def _send(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        payload, count = pack(commands), len(commands)
        if self._wire is not None:
            return await self._wire.exchange(payload, count)
        # Only a plain client gets here: a cluster's operations take _cluster_replies.
        pool = cast("Redis", self.client).connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        try:
            await connection.send_packed_command(payload, check_health=False)
            replies: list[Any] = []
            for _ in range(count):
                try:
                    replies.append(await connection.read_response())
                except ResponseError as error:  # an error reply: that command alone failed
                    replies.append(error)
            return replies
        except BaseException:
            # Replies may be left unread on this connection: never hand it to anyone else.
            await connection.disconnect()
            raise
        finally:
            await pool.release(connection)

    async def _do(self, *commands: tuple[Any, ...], **options: Any) -> Any:
        return await self._pipeline.submit([(command, options) for command in commands])

    async def get(self, key: str) -> str | None:
        value: str | None = await self._do(("GET", self.prefix + key))
        return value

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        await self._do(("SET", self.prefix + key, value, "EX", ttl) if ttl else ("SET", self.prefix + key, value))

    async def delete(self, key: str) -> None:
        await self._do(("DEL", self.prefix + key))

    async def claim(self, key: str, value: str, ttl: int) -> str | None:
        # SET NX GET (Redis >= 7.0): one command, atomic across all workers.
        held: str | None = await self._do(("SET", self.prefix + key, value, "EX", ttl, "NX", "GET"), get=True)
        return held

    def _counting(self, key: str, ttl: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        # EXPIRE NX (Redis >= 7.0) sets the expiry only if the key has none: the window starts
        # with the first increment, and both commands travel in one round trip.
        return ("INCR", self.prefix + key), ("EXPIRE", self.prefix + key, ttl, "NX")

    async def incr(self, key: str, ttl: int) -> int:
        return int(await self._do(*self._counting(key, ttl)))

    async def ttl(self, key: str) -> int:
        return int(await self._do(("TTL", self.prefix + key)))

    async def get_and_incr(self, key: str, counter: str, ttl: int) -> tuple[str | None, int]:
        # One operation: the three commands go out in the same pipeline, one wait for the caller.
        increment, expire = self._counting(counter, ttl)
        value, count = await self._pipeline.submit(
            [(("GET", self.prefix + key), {"reply": True}), (increment, {"reply": True}), (expire, {})]
        )
        return value, int(count)

    async def ping(self) -> bool:
        """Whether Redis answers, over the path store operations take: a connection the
        server dropped (a Redis restart) is replaced first, so a live Redis is never reported
        down because of one stale connection."""
        try:
            if not self._cluster:
                reply: str = await self._do(("PING",))
                return reply == "PONG"
            try:
                return bool(await self.client.ping())
            except RedisConnectionError:  # redis-py's pooled connection was stale: once more, on a fresh one
                return bool(await self.client.ping())
        except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
            return False

    async def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        await self.client.aclose()


def make_store(redis_url: str, prefix: str = "yk:") -> Store:
    return RedisStore(redis_url, prefix) if redis_url else MemoryStore(prefix)

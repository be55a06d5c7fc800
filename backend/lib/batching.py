"""Coalescing concurrent calls into batches: group commit for the database, pipelining for Redis."""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Queue(Generic[T]):
    items: list[tuple[T, asyncio.Future[Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


def _settle(done: asyncio.Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    if done.done():  # its waiter was cancelled; the item was run (or not) all the same
        return
    if error is None:
        done.set_result(result)
    else:
        done.set_exception(error)


class Batcher(Generic[T]):
    """Run items in batches, one `run(items)` call per batch, and give each caller its result.

    `run` returns one result per item (an Exception instance fails that item alone) or None
    (every item succeeded). Batches form by themselves: the first item starts a flush on the
    next loop turn, and everything submitted while a flush runs goes into the next one. Nothing
    waits on a timer, so a lone call pays one loop turn, and under load the fixed cost of a
    batch (a round trip, a transaction, a lock) is shared by every item in it. With
    `retry_alone`, a batch whose `run` raises is run again item by item, so one bad item fails
    alone; otherwise every item gets the error. State is per event loop.

    A batch runs outside the caller's transaction: for lookups by key use `db.Loader`, which
    reads directly inside a transaction.
    """

    def __init__(
        self, run: Callable[[list[T]], Awaitable[Sequence[Any] | None]], *, max_batch: int = 200, retry_alone: bool = False
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._retry_alone = retry_alone
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[T]] = weakref.WeakKeyDictionary()
        # The last loop's queue, checked first: a WeakKeyDictionary lookup makes a weak
        # reference per call, which showed in profiles. Held weakly, like the dictionary.
        self._last: tuple[weakref.ref[asyncio.AbstractEventLoop], _Queue[T]] | None = None

    def _queue(self, loop: asyncio.AbstractEventLoop) -> _Queue[T]:
        last = self._last
        if last is not None and last[0]() is loop:
            return last[1]
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        self._last = (weakref.ref(loop), queue)
        return queue

    async def submit(self, item: T) -> Any:
        # Cancelling the waiter does not take the item back: it may already be running.
        return await self.enqueue(item)

    def enqueue(self, item: T) -> asyncio.Future[Any]:
        """`submit` without waiting: the item joins the next batch now and the future gets its
        result, so a caller can do other work (or start other lookups) meanwhile."""
        loop = asyncio.get_running_loop()
        queue = self._queue(loop)
        done = loop.create_future()
        queue.items.append((item, done))
        if queue.task is None:
            # A fresh context: the batch must not run inside the first caller's transaction
            # (Piccolo keeps it in a context variable) nor log under its request id.
            queue.task = loop.create_task(self._drain(queue), context=contextvars.Context())
        return done

    async def _drain(self, queue: _Queue[T]) -> None:
        try:
            while queue.items:
                batch = queue.items[: self._max_batch]
                del queue.items[: self._max_batch]
                await self._flush(batch)
        except BaseException as error:  # the loop is shutting down: nobody may wait forever
            for _, done in queue.items:
                _settle(done, error=error)
            queue.items.clear()
            raise
        finally:
            queue.task = None

    async def _flush(self, batch: list[tuple[T, asyncio.Future[Any]]]) -> None:
        try:
            results = await self._run([item for item, _ in batch])
        except Exception as error:  # noqa: BLE001 - handed to the waiters
            if self._retry_alone and len(batch) > 1:
                for one in batch:
                    await self._flush([one])
                return
            for _, done in batch:
                _settle(done, error=error)
            return
        except BaseException as error:
            for _, done in batch:
                _settle(done, error=error)
            raise
        for i, (_, done) in enumerate(batch):
            result = None if results is None else results[i]
            if isinstance(result, Exception):
                _settle(done, error=result)
            else:
                _settle(done, result)


def group_commit(write: Callable[[list[T]], Awaitable[Sequence[Any] | None]], *, max_batch: int = 200) -> Batcher[T]:
    """Concurrent writers share one `write` (one transaction) per batch; each `submit` returns
    once its batch has committed (with the write's result for its item, as `Batcher.run` gives
    them) and raises what the write raised for its item, so callers keep the durability of
    writing alone."""
    return Batcher(write, max_batch=max_batch, retry_alone=True)

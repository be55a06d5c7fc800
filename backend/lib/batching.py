"""Group commit: concurrent writers share one transaction, and each still waits for its commit."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Queue(Generic[T]):
    items: list[tuple[T, asyncio.Future]] = field(default_factory=list)
    task: asyncio.Task | None = None


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.done():  # its waiter was cancelled; the item was written (or not) all the same
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


class GroupCommit(Generic[T]):
    """Write items in batches, one `write(items)` call (one transaction) per batch.

    `submit` returns once the batch holding its item has committed, and raises what the write
    raised for that item, so callers keep the durability of writing alone. Batches form by
    themselves: the first item starts a flush on the next loop turn, and everything submitted
    while a flush runs goes into the next one. Nothing waits on a timer, so a lone request pays
    one loop turn, and under load the cost of a transaction (and of any lock it takes) is shared
    by the whole batch. A batch that fails is written again item by item, so one bad item fails
    alone. State is per event loop; nothing is kept once the queue is empty.
    """

    def __init__(self, write: Callable[[list[T]], Awaitable[None]], *, max_batch: int = 200) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[T]] = weakref.WeakKeyDictionary()

    async def submit(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        done = loop.create_future()
        queue.items.append((item, done))
        if queue.task is None:
            queue.task = loop.create_task(self._drain(queue))
        # Cancelling the waiter does not take the item back: it may already be committing.
        await done

    async def _drain(self, queue: _Queue[T]) -> None:
        try:
            while queue.items:
                batch = queue.items[: self._max_batch]
                del queue.items[: self._max_batch]
                await self._flush(batch)
        except BaseException as error:  # the loop is shutting down: nobody may wait forever
            for _, done in queue.items:
                _settle(done, error)
            queue.items.clear()
            raise
        finally:
            queue.task = None

    async def _flush(self, batch: list[tuple[T, asyncio.Future]]) -> None:
        try:
            await self._write([item for item, _ in batch])
        except Exception as error:  # noqa: BLE001 - handed to the waiters
            if len(batch) == 1:
                _settle(batch[0][1], error)
                return
            for one in batch:
                await self._flush([one])
            return
        except BaseException as error:
            for _, done in batch:
                _settle(done, error)
            raise
        for _, done in batch:
            _settle(done, None)

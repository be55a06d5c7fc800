"""Batching: batches form under concurrency, a bad item fails alone, a cancelled waiter's item is still run, results reach their callers."""

import asyncio

import pytest

from backend.lib.batching import Batcher, group_commit

pytestmark = pytest.mark.anyio


class Sink:
    """A write function that records each batch and takes a loop turn, like a database."""

    def __init__(self, bad: set[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.bad = bad

    async def write(self, items: list[int]) -> None:
        await asyncio.sleep(0.001)
        if self.bad & set(items):
            raise ValueError(f"bad item in {items}")
        self.batches.append(list(items))

    @property
    def written(self) -> list[int]:
        return [i for batch in self.batches for i in batch]


async def test_a_lone_item_is_written_at_once():
    sink = Sink()
    await group_commit(sink.write).submit(7)
    assert sink.batches == [[7]]


async def test_concurrent_items_share_batches_in_order():
    sink = Sink()
    writer = group_commit(sink.write, max_batch=50)
    await asyncio.gather(*(writer.submit(i) for i in range(120)))
    assert sink.written == list(range(120))
    assert len(sink.batches) <= 4 and max(len(b) for b in sink.batches) == 50


async def test_a_bad_item_fails_alone():
    sink = Sink(bad={5})
    writer = group_commit(sink.write)
    results = await asyncio.gather(*(writer.submit(i) for i in range(10)), return_exceptions=True)
    assert isinstance(results[5], ValueError)
    assert all(r is None for i, r in enumerate(results) if i != 5)
    assert sorted(sink.written) == [i for i in range(10) if i != 5]


async def test_a_cancelled_waiter_does_not_take_its_item_back():
    sink = Sink()
    writer = group_commit(sink.write)
    waiter = asyncio.ensure_future(writer.submit(1))
    await asyncio.sleep(0)  # queued, flush started
    waiter.cancel()
    await writer.submit(2)
    assert sink.written == [1, 2]


async def test_each_caller_gets_its_own_result_or_error():
    async def run(items):
        await asyncio.sleep(0)
        return [ValueError(i) if i % 3 == 0 else i * 10 for i in items]

    batcher = Batcher(run)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(7)), return_exceptions=True)
    assert [str(r) if isinstance(r, ValueError) else r for r in results] == ["0", 10, 20, "3", 40, 50, "6"]


async def test_without_retry_alone_a_failed_batch_fails_every_caller_once():
    calls = []

    async def run(items):
        calls.append(list(items))
        raise ConnectionError("store went away")

    batcher = Batcher(run)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(5)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and calls == [[0, 1, 2, 3, 4]]


async def test_enqueue_starts_the_item_before_anyone_waits():
    seen: list[list[int]] = []

    async def double(items: list[int]) -> list[int]:
        seen.append(list(items))
        return [i * 2 for i in items]

    batcher = Batcher(double)
    first, second = batcher.enqueue(1), batcher.enqueue(2)
    await asyncio.sleep(0.01)  # the caller's own work: the batch runs meanwhile
    assert first.done() and second.done() and seen == [[1, 2]]
    assert (await first, await second) == (2, 4)


async def test_a_discarded_lookup_leaves_no_unread_failure():
    import gc

    from backend.lib import db

    async def fail(items: list[int]) -> list[int]:
        raise ValueError("the database went away")

    reported: list[dict] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        pending = Batcher(fail).enqueue(1)
        db.discard(pending)
        await asyncio.sleep(0.01)
        assert pending.done()
        del pending
        gc.collect()
        coroutine = asyncio.sleep(0)
        db.discard(coroutine)  # closed, never "was never awaited"
        assert coroutine.cr_frame is None
    finally:
        loop.set_exception_handler(previous)
    assert reported == []

"""The outbox's runner on both databases: commit or nothing, once per key, each job once, back-off
then dead, a dead worker's lease taken over, and two runners never running one job at once."""

import asyncio
import datetime as dt
import secrets

import pytest

from backend.jobs import runner, services
from backend.lib import db
from tests.jobs.helpers import Jobs, Recorder

pytestmark = pytest.mark.anyio


class Rollback(Exception):
    pass


async def _enqueue_then_fail(kind: str, tag: str) -> None:
    try:
        async with db.transaction():
            await services.enqueue(kind, {"tag": tag})
            raise Rollback
    except Rollback:
        pass


async def _enqueue(kind: str, payload: dict, **kwargs) -> bool:
    async with db.transaction():
        return await services.enqueue(kind, payload, **kwargs)


async def _enqueue_many(kind: str, payloads: list[dict]) -> int:
    async with db.transaction():
        return await services.enqueue_many(kind, payloads)


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(world: Jobs, recorder: Recorder):
    await world.call(_enqueue_then_fail, recorder.ok_kind, "rolled-back")
    assert await world.rows(recorder.ok_kind) == []
    await world.call(_enqueue, recorder.ok_kind, {"tag": "committed"})
    await world.call(runner.drain, recorder.handlers, world.context())
    assert recorder.runs == {"committed": 1}


async def test_a_keyed_job_is_enqueued_once_while_it_waits_and_again_once_done(world: Jobs, recorder: Recorder):
    key = f"order:{secrets.token_hex(6)}"
    assert await world.call(_enqueue, recorder.ok_kind, {"tag": "first"}, key=key) is True
    assert await world.call(_enqueue, recorder.ok_kind, {"tag": "second"}, key=key) is False
    assert len(await world.rows(recorder.ok_kind)) == 1
    await world.call(runner.drain, recorder.handlers, world.context())
    assert recorder.runs == {"first": 1}
    # Done frees the key: the same thing may need doing again later.
    assert await world.call(_enqueue, recorder.ok_kind, {"tag": "third"}, key=key) is True
    await world.call(runner.drain, recorder.handlers, world.context())
    assert recorder.runs == {"first": 1, "third": 1}
    assert [r["state"] for r in await world.rows(recorder.ok_kind)] == ["done", "done"]


async def test_drain_runs_every_due_job_once(world: Jobs, recorder: Recorder):
    tags = [f"t{i}" for i in range(25)]
    assert await world.call(_enqueue_many, recorder.ok_kind, [{"tag": t} for t in tags]) == 25
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await world.call(_enqueue, recorder.ok_kind, {"tag": "tomorrow"}, run_at=later)
    ran = await world.call(runner.drain, recorder.handlers, world.context(jobs_concurrency=3))
    assert ran >= 25
    assert recorder.runs == dict.fromkeys(tags, 1)  # not the one due later
    await world.call(runner.drain, recorder.handlers, world.context())
    assert recorder.runs == dict.fromkeys(tags, 1)
    states = sorted(r["state"] for r in await world.rows(recorder.ok_kind))
    assert states == ["done"] * 25 + ["ready"]


async def test_a_failing_job_backs_off_and_is_dead_after_its_attempts(world: Jobs, recorder: Recorder):
    await world.call(_enqueue, recorder.fail_kind, {"tag": "doomed"})
    await world.call(runner.drain, recorder.handlers, world.context(jobs_max_attempts=3))
    assert recorder.runs == {"doomed": 1}
    [job] = await world.rows(recorder.fail_kind)
    assert (job["state"], job["attempts"], job["locked_until"]) == ("ready", 1, None)
    assert job["last_error"].startswith("ValueError: bank refused account [redacted]")
    assert "6222020200112233445" not in job["last_error"]

    # Backing off: not due again at once.
    await world.call(runner.drain, recorder.handlers, world.context(jobs_max_attempts=3))
    assert recorder.runs == {"doomed": 1}

    await world.due_now(recorder.fail_kind)
    # With no back-off left, one drain tries it until it has used its attempts.
    await world.call(runner.drain, recorder.handlers, world.context(jobs_max_attempts=3, jobs_backoff_seconds=0))
    assert recorder.runs == {"doomed": 3}
    job = await world.row(job["id"])
    assert (job["state"], job["attempts"]) == ("dead", 3)
    assert "[redacted]" in job["last_error"]
    await world.due_now(recorder.fail_kind)
    await world.call(runner.drain, recorder.handlers, world.context(jobs_backoff_seconds=0))
    assert recorder.runs == {"doomed": 3}  # dead stays dead


async def test_a_job_of_an_unknown_kind_is_dead_at_once(world: Jobs, recorder: Recorder):
    kind = f"{recorder.ok_kind}.nobody"
    await world.call(_enqueue, kind, {"tag": "x"}, key=f"k-{secrets.token_hex(4)}")
    await world.call(runner.drain, recorder.handlers, world.context())
    [job] = await world.rows(kind)
    assert (job["state"], job["attempts"], job["key"]) == ("dead", 1, None)
    assert "unknown job kind" in job["last_error"] and kind in job["last_error"]


async def _claim_all(kind: str, owner: str, settings) -> list[runner.Claimed]:
    return [job for job in await runner.claim(owner, 500, settings) if job.kind == kind]


async def test_a_dead_workers_lease_is_taken_over_after_it_runs_out(world: Jobs, recorder: Recorder):
    await world.call(_enqueue, recorder.ok_kind, {"tag": "orphan"})
    ctx = world.context()
    # A worker claims the job and dies before running it.
    [claimed] = await world.call(_claim_all, recorder.ok_kind, "worker:gone:1", ctx.settings)
    await world.call(runner.drain, recorder.handlers, ctx)
    assert recorder.runs == {}  # its lease holds
    await world.call(
        db.fetch,
        "UPDATE jobs_job SET locked_until = {} WHERE id = {}",
        dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        claimed.id,
    )
    await world.call(runner.drain, recorder.handlers, ctx)
    assert recorder.runs == {"orphan": 1}
    job = await world.row(claimed.id)
    assert (job["state"], job["attempts"]) == ("done", 2)

    # The first worker comes back to life and fails its stale attempt: the job stays done.
    failing = {recorder.ok_kind: recorder.handlers[recorder.fail_kind]}
    await world.call(runner.run_one, claimed, failing, ctx, "worker:gone:1")
    job = await world.row(claimed.id)
    assert (job["state"], job["last_error"]) == ("done", "")


async def _two_drains(handlers, ctx) -> tuple[int, int]:
    first, second = await asyncio.gather(runner.drain(handlers, ctx), runner.drain(handlers, ctx))
    return first, second


async def test_two_runners_never_run_one_job_at_the_same_time(world: Jobs, recorder: Recorder):
    tags = [f"s{i}" for i in range(40)]
    await world.call(_enqueue_many, recorder.slow_kind, [{"tag": t} for t in tags])
    first, second = await world.call(_two_drains, recorder.handlers, world.context(jobs_concurrency=4))
    assert recorder.overlaps == []
    assert recorder.runs == dict.fromkeys(tags, 1)
    assert first + second >= 40
    if world.client.app.state.settings.is_postgres:
        assert first > 0 and second > 0  # on PostgreSQL both took jobs (SKIP LOCKED), neither the same


async def _embedded(settings, keystore, handlers, kind: str) -> tuple[bool, dict]:
    async with runner.running(settings, keystore, handlers) as worker:
        assert worker is not None
        async with db.transaction():
            await services.enqueue(kind, {"tag": "woken"})
        for _ in range(400):  # woken by the commit; the poll is 60 s here, so a pass means it was woken
            if (await db.fetch_one("SELECT state FROM jobs_job WHERE kind = {}", kind))["state"] == "done":
                break
            await asyncio.sleep(0.025)
        finished = worker.finished
    return finished >= 1, await runner.stats()


async def test_the_embedded_worker_runs_a_job_once_its_transaction_commits(world: Jobs, recorder: Recorder):
    ctx = world.context(jobs_embedded=True, jobs_poll_seconds=60)
    ran, stats = await world.call(_embedded, ctx.settings, ctx.keystore, recorder.handlers, recorder.ok_kind)
    assert ran and recorder.runs == {"woken": 1}
    assert stats["done"] >= 1 and stats["oldest_due_seconds"] >= 0


async def _periodic(settings, keystore, kind: str, slots: list[int]) -> list[dict]:
    async def handler(payload: dict, ctx) -> None:
        slots.append(payload["slot"])

    # Two workers with the same periodic job: each period's job is added and run once between them.
    periodic = {kind: lambda s: 1.0}
    async with runner.running(settings, keystore, {kind: handler}, periodic) as one:
        two = runner.Worker({kind: handler}, one.ctx, name="second", periodic=periodic)
        await two.start()
        try:
            for _ in range(200):
                if len(set(slots)) >= 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            await two.stop()
    return await db.fetch("SELECT key FROM jobs_job WHERE kind = {}", kind)


async def test_a_periodic_job_is_added_once_each_period_and_not_at_start(world: Jobs):
    kind = f"test.{secrets.token_hex(4)}.periodic"
    ctx = world.context(jobs_embedded=True, jobs_poll_seconds=0.05)
    slots: list[int] = []
    started = int(__import__("time").time())
    rows = await world.call(_periodic, ctx.settings, ctx.keystore, kind, slots)
    assert len(set(slots)) >= 2, "a periodic job of one second ran in fewer than two periods within ten seconds"
    assert min(slots) > started, "the first periodic job comes at the next period, not at start-up"
    # One job per period although two workers add it (the key is the period).
    assert sorted(slots) == sorted(set(slots))
    assert len(rows) == len(slots)

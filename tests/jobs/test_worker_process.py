"""`yikatong worker` as a process of its own on PostgreSQL: killed at a crash point it leaves its job
leased, and the next worker finishes the job once the lease has run out; SIGTERM stops it cleanly."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import _pg_available, need, scratch_database
from tests.servers import ROOT


def _env(url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
    env.update(YIKATONG_DATABASE_URL=url, YIKATONG_DATA_DIR=str(data), YIKATONG_ENV="test", YIKATONG_LOG_LEVEL="WARNING")
    return env


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


async def _sql(url: str, sql: str, *args):
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def _add_job(url: str) -> uuid.UUID:
    job_id = uuid.uuid4()
    asyncio.run(
        _sql(
            url,
            "INSERT INTO jobs_job (id, kind, payload, key, state, run_at, locked_until, locked_by, attempts, last_error, created_at, done_at)"
            " VALUES ($1, 'jobs.forget_done', '{}', NULL, 'ready', now(), NULL, '', 0, '', now(), NULL)",
            job_id,
        )
    )
    return job_id


def _job(url: str, job_id: uuid.UUID) -> dict:
    [row] = asyncio.run(_sql(url, "SELECT state, attempts, locked_by FROM jobs_job WHERE id = $1", job_id))
    return dict(row)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A migrated scratch database of this module's own, and the environment of a CLI run against it."""
    problem = _pg_available()
    if problem:
        need("PostgreSQL", problem)
    with scratch_database("jobs") as url:
        env = _env(url, tmp_path_factory.mktemp("jobs") / "data")
        migrated = _cli(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield url, env


def test_a_worker_killed_at_a_crash_point_leaves_its_job_to_the_next_worker(database):
    database, env = database
    job_id = _add_job(database)

    crashing = {**env, "YIKATONG_CRASH_RATE": "1", "YIKATONG_CRASH_SEED": "16", "YIKATONG_JOBS_LEASE_SECONDS": "1"}
    crashed = _cli(crashing, "worker", timeout=60)
    assert crashed.returncode == 137, crashed.stderr
    assert "crash point jobs.claimed" in crashed.stderr
    job = _job(database, job_id)
    assert (job["state"], job["attempts"]) == ("ready", 1) and job["locked_by"].startswith("worker:")

    # The next worker takes the job once the dead one's lease has run out.
    deadline = time.monotonic() + 60
    while job["state"] == "ready" and time.monotonic() < deadline:
        once = _cli(env, "worker", "--once")
        assert once.returncode == 0, once.stderr
        job = _job(database, job_id)
        if job["state"] == "ready":
            time.sleep(0.3)
    assert (job["state"], job["attempts"]) == ("done", 2)


def test_sigterm_stops_a_worker_cleanly(database, tmp_path: Path):
    _, env = database
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "worker", "--concurrency", "2"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while "up to 2 jobs at once" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()

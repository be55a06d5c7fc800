"""Shared fixtures: a migrated database per backend (SQLite, PostgreSQL), a store (embedded,
Redis), and an app client. With CI=1 a missing PostgreSQL, Redis or Chromium fails the test.

`make test` runs the suite in pytest-xdist workers (docs/testing.md). Everything a test makes is
its worker's own: the session's temporary directory (SQLite files, keys), PostgreSQL databases
named after the worker, process and a random part, Redis keys under a worker's random prefix,
server ports from the worker's block (tests/servers.py). Nothing is shared between workers, or
with other clients of the PostgreSQL and Redis servers, and each worker drops what it made."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from backend.lib.settings import Settings, load_settings
from tests.servers import WORKER

PG_URL = os.environ.get("YIKATONG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIKATONG_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "") not in ("", "0", "false")


def need(what: str, reason: str) -> None:
    """A missing service fails in CI and skips (with the reason) elsewhere."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {reason}")
    pytest.skip(f"{what} not available: {reason}")


def _pg_available() -> str | None:
    try:
        import asyncpg

        async def probe() -> None:
            conn = await asyncpg.connect(PG_URL, timeout=3)
            await conn.close()

        asyncio.run(probe())
        return None
    except Exception as exc:  # noqa: BLE001
        return repr(exc)


def _redis_available() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        return None
    except Exception as exc:  # noqa: BLE001
        return repr(exc)


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    """A cheap Argon2id so sign-ins in tests are fast; tests about the production parameters
    build their own hasher."""
    from argon2 import PasswordHasher

    from backend.accounts import passwords

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def session_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"yktest-{WORKER}-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _base_settings(session_dir: Path, **overrides) -> Settings:
    values = dict(
        env="test",
        data_dir=str(session_dir / "data"),
        key_dir=str(session_dir / "keys"),
        log_level="WARNING",
    )
    values.update(overrides)
    return load_settings(environ={}, dotenv=None, **values)


async def _migrate(settings: Settings) -> None:
    from backend.lib import db

    async with db.lifespan(settings):
        await db.migrate(quiet=True)


@pytest.fixture(scope="session")
def sqlite_settings(session_dir: Path) -> Settings:
    settings = _base_settings(session_dir, data_dir=str(session_dir / "sqlite"))
    asyncio.run(_migrate(settings))
    return settings


@contextlib.contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this worker's own, dropped afterwards. Its
    name tells the worker and process (yk_<kind>_<worker>_<pid>_<random>), so a leftover of a
    killed run says whose it was; the random part keeps two sessions at once apart."""
    import asyncpg

    name = f"yk_{kind}_{WORKER}_{os.getpid()}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_settings(session_dir: Path) -> Settings:
    problem = _pg_available()
    if problem:
        need("PostgreSQL", problem)
    with scratch_database("test") as url:
        settings = _base_settings(session_dir, database_url=url, data_dir=str(session_dir / "pg"))
        asyncio.run(_migrate(settings))
        yield settings


@pytest.fixture
def redis_url() -> str:
    problem = _redis_available()
    if problem:
        need("Redis", problem)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> str:
    """A fresh key prefix; every key under it is deleted after the test."""
    import redis

    prefix = f"yktest:{WORKER}:{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture(params=["sqlite+memory", "postgres+redis"])
def settings(request) -> Settings:
    """Integration settings: SQLite with the embedded store, and PostgreSQL with Redis."""
    import msgspec

    if request.param == "sqlite+memory":
        return request.getfixturevalue("sqlite_settings")
    pg: Settings = request.getfixturevalue("postgres_settings")
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    return msgspec.structs.replace(pg, redis_url=url, redis_prefix=prefix)


_APPS: dict[Settings, object] = {}


def app_for(settings: Settings):
    """The app for these settings, built once per worker: building one registers some 330 routes
    (Litestar rebuilds its routing trie at each), a second or two that each test paid. A test still
    gets a fresh lifespan (store, database pool, job worker), which reads the settings from the
    app's state: so tests that differ only by their Redis key prefix share one app."""
    import msgspec

    from backend.app import create_app, keystore_for

    key = msgspec.structs.replace(settings, redis_prefix="")
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = create_app(settings)
    app.state.settings = settings  # type: ignore[attr-defined]
    app.state.keystore = keystore_for(settings)  # type: ignore[attr-defined]
    return app


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator:
    """An AsyncTestClient on the app for the parametrised backend, its lifespan run for this test."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app_for(settings)) as test_client:
        yield test_client


# The longest tests (minutes each), first: `make test` hands tests out one at a time in this order
# (--dist loadgroup), so each starts at once on a worker of its own while the other workers run the
# rest, and the run's wall time is not their sum plus everything else (docs/testing.md).
LONGEST_FIRST = ("tests/test_schemathesis.py::", "tests/payments/test_crash_property.py::")  # the crash test: one to two


def pytest_collection_modifyitems(items) -> None:
    """The longest tests first, browser tests last: sync Playwright keeps an event loop running
    in the main thread for the rest of the session (of each worker), which no async test or
    asyncio.run() can share. A worker runs what it is given in this order."""

    def rank(item) -> int:
        if item.nodeid.startswith("tests/e2e/"):
            return 2
        return 0 if item.nodeid.startswith(LONGEST_FIRST) else 1

    items.sort(key=rank)

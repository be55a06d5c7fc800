"""db's write helpers on real SQLite and PostgreSQL: advisory_lock, is_unique_violation and unique_clash, retrying."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from backend.lib import db
from backend.lib.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(request) -> Settings:
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
async def table(db_settings: Settings) -> AsyncIterator[str]:
    """A scratch table (unique `code`, NOT NULL `label`) in the session's migrated database."""
    name = f"test_lib_{secrets.token_hex(4)}"
    async with db.lifespan(db_settings):
        await db.engine().run_ddl(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, code TEXT UNIQUE, label TEXT NOT NULL)')
        try:
            yield name
        finally:
            await db.engine().run_ddl(f'DROP TABLE "{name}"')


async def _insert(table: str, id: int, code: str | None, label: str | None = "x") -> None:
    await db.fetch(f'INSERT INTO "{table}" (id, code, label) VALUES ({{}}, {{}}, {{}})', id, code, label)


async def _ids(table: str) -> list[int]:
    return [row["id"] for row in await db.fetch(f'SELECT id FROM "{table}" ORDER BY id')]


async def _failure(write) -> Exception:
    with pytest.raises(Exception) as caught:  # the database driver's own class, which differs by engine
        await write
    return caught.value


async def test_a_unique_violation_is_told_apart_and_names_its_column(table):
    await _insert(table, 1, "a")
    clash = await _failure(_insert(table, 2, "a"))
    assert db.is_unique_violation(clash)
    assert db.unique_clash(clash, [f"{table}.label", f"{table}.code"]) == f"{table}.code"
    assert db.unique_clash(clash, [f"{table}.label"]) is None  # a constraint the caller did not name

    # SQLite words a NOT NULL failure like a unique one ("... constraint failed: <table>.label"):
    # it is still no unique violation.
    missing = await _failure(_insert(table, 3, "b", None))
    assert not db.is_unique_violation(missing)
    assert db.unique_clash(missing, [f"{table}.label", f"{table}.code"]) is None
    assert not db.is_unique_violation(ValueError("UNIQUE constraint failed: x.y"))


async def test_retrying_runs_again_after_a_conflict_and_keeps_only_the_last_run(table):
    runs = 0

    async def attempt() -> str:
        nonlocal runs
        runs += 1
        await _insert(table, runs, f"c{runs}")
        if runs < 3:
            raise db.Conflict()
        return "done"

    assert await db.retrying(attempt, attempts=5, busy=lambda: TimeoutError("busy")) == "done"
    assert runs == 3
    assert await _ids(table) == [3]  # the lost runs were rolled back


async def test_retrying_gives_up_with_busy_after_its_attempts(table):
    runs = 0

    async def attempt() -> None:
        nonlocal runs
        runs += 1
        await _insert(table, runs, f"c{runs}")
        raise db.Conflict()

    with pytest.raises(TimeoutError, match="busy"):
        await db.retrying(attempt, attempts=4, busy=lambda: TimeoutError("busy"))
    assert runs == 4
    assert await _ids(table) == []


async def test_retrying_runs_again_on_what_again_accepts_and_raises_the_rest(table):
    await _insert(table, 100, "taken")
    codes = iter(["taken", "free"])  # a random code that clashed, then one that did not
    seen: list[Exception] = []

    def again(exc: Exception) -> bool:
        seen.append(exc)
        return db.unique_clash(exc, [f"{table}.code"]) is not None

    async def attempt() -> None:
        await _insert(table, 1, next(codes))

    await db.retrying(attempt, attempts=3, busy=lambda: TimeoutError("busy"), again=again)
    assert await _ids(table) == [1, 100] and len(seen) == 1

    async def refused() -> None:
        await _insert(table, 2, None, None)  # NOT NULL: not for `again`

    with pytest.raises(Exception) as caught:  # the database driver's own class
        await db.retrying(refused, attempts=3, busy=lambda: TimeoutError("busy"), again=again)
    assert caught.value is seen[-1] and len(seen) == 2  # asked once, not run again


async def test_retrying_inside_a_transaction_runs_once_and_leaves_retries_to_the_outer_one(table):
    runs = 0

    async def attempt() -> None:
        nonlocal runs
        runs += 1
        raise db.Conflict()

    with pytest.raises(db.Conflict):
        async with db.transaction():
            await db.retrying(attempt, attempts=5, busy=lambda: TimeoutError("busy"))
    assert runs == 1


async def test_writers_taking_the_same_lock_run_one_at_a_time(table):
    events: list[str] = []
    holding = asyncio.Event()

    async def first() -> None:
        async with db.transaction():
            await db.advisory_lock(f"test:{table}")
            await _insert(table, 1, "first")
            holding.set()
            await asyncio.sleep(0.3)
            events.append("first commits")

    async def second() -> None:
        await holding.wait()
        async with db.transaction():
            await db.advisory_lock(f"test:{table}")
            events.append("second holds the lock")
            # It sees what the first committed: nothing it decides on can interleave.
            assert await _ids(table) == [1]

    await asyncio.gather(first(), second())
    assert events == ["first commits", "second holds the lock"]


async def test_advisory_lock_sends_nothing_to_sqlite_and_one_statement_to_postgresql(table, monkeypatch):
    sent: list[tuple] = []
    fetch = db.fetch

    async def counting(sql: str, *args):
        sent.append((sql, *args))
        return await fetch(sql, *args)

    monkeypatch.setattr(db, "fetch", counting)
    async with db.transaction():
        await db.advisory_lock("yk-catalog")
        await db.advisory_lock(0x594B4155444954)
    if db.is_sqlite():
        assert sent == []
    else:
        assert sent == [
            ("SELECT pg_advisory_xact_lock(hashtext({}))", "yk-catalog"),
            ("SELECT pg_advisory_xact_lock({})", 0x594B4155444954),
        ]


@pytest.mark.parametrize("db_settings", ["postgres"], indirect=True)
async def test_on_postgresql_the_locks_are_the_keys_running_workers_take(table, db_settings):
    """The keys are the ones the hand-written locks took (hashtext of the text, or the bigint
    itself), so workers of the previous release and of this one exclude each other; other keys
    are free."""
    import asyncpg

    other = await asyncpg.connect(db_settings.database_url)
    try:

        async def free(sql: str) -> bool:
            return await other.fetchval(sql)  # in autocommit: taken and let go at once when free

        async with db.transaction():
            await db.advisory_lock("yk-catalog")
            await db.advisory_lock(0x596B5256)
            assert not await free("SELECT pg_try_advisory_xact_lock(hashtext('yk-catalog'))")
            assert not await free("SELECT pg_try_advisory_xact_lock(1500205654)")  # 0x596B5256
            assert await free("SELECT pg_try_advisory_xact_lock(hashtext('yk-code:another'))")
        assert await free("SELECT pg_try_advisory_xact_lock(hashtext('yk-catalog'))")  # let go at commit
    finally:
        await other.close()

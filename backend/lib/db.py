"""Database engines (SQLite by default, PostgreSQL by URL), transactions, their locks and retries, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import inspect
import io
import json
import random
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import JSON, JSONB, Array
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from backend.lib.batching import Batcher
from backend.lib.settings import Settings

if TYPE_CHECKING:
    from asyncpg import Connection

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_engine: SQLiteEngine | PostgresEngine | None = None
# Seconds to open a PostgreSQL connection (asyncpg waits 60 by default): a server or network that
# hangs makes a request wait this long for its 503, not a minute.
CONNECT_TIMEOUT = 5.0


def make_engine(settings: Settings) -> SQLiteEngine | PostgresEngine:
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url, "timeout": CONNECT_TIMEOUT}, extensions=())
    path = Path(settings.sqlite_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: writers wait for the lock instead of failing with "database is locked".
    return SQLiteEngine(path=str(path), timeout=30)


def _all_tables() -> list[type[Table]]:
    tables: list[type[Table]] = [Migration]
    for app_config in Finder().get_app_configs():
        tables.extend(app_config.table_classes)
    return tables


def configure(settings: Settings) -> SQLiteEngine | PostgresEngine:
    """Point Piccolo (conf module, every table, migrations) at the engine for these settings."""
    global _engine
    engine = make_engine(settings)
    # Piccolo's own conf module (PICCOLO_CONF) is where its migrations look for the engine;
    # found the way Piccolo finds it, so lib need not know which features exist.
    conf = Finder().get_piccolo_conf_module()
    if conf is None:
        raise RuntimeError("no Piccolo conf module: set PICCOLO_CONF (backend.piccolo_conf)")
    conf.DB = engine
    for table in _all_tables():
        table._meta.db = engine
    _engine = engine
    return engine


def engine() -> SQLiteEngine | PostgresEngine:
    if _engine is None:
        raise RuntimeError("database not configured: call backend.lib.db.configure first")
    return _engine


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@functools.lru_cache(maxsize=256)
def _numbered(template: str) -> str:
    """`{}` markers as PostgreSQL's $1, $2...: done once per statement, not per call."""
    parts = template.split("{}")
    return "".join(part + (f"${i + 1}" if i < len(parts) - 1 else "") for i, part in enumerate(parts))


def in_transaction() -> bool:
    return engine().current_transaction.get() is not None


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of one hand-written statement, `{}` marking each argument (as in `Table.raw`),
    inside the current transaction if there is one. For hot paths only: Piccolo's query builder
    costs more CPU per select than the database spends answering it (docs/verification.md), so
    on PostgreSQL the statement goes straight to asyncpg (which prepares it once per connection).
    Select plain columns, so SQLite's declared-type converters apply; JSON comes back as text."""
    eng = engine()
    current = eng.current_transaction.get() if isinstance(eng, PostgresEngine) else None
    if current is not None:
        rows = await current.connection.fetch(_numbered(sql), *args)
    elif isinstance(eng, PostgresEngine) and eng.pool is not None:
        rows = await eng.pool.fetch(_numbered(sql), *args)
    else:  # SQLite, or PostgreSQL without a pool (one-off commands): Piccolo's own path
        rows = await eng.run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows]


async def fetch_one(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


def json_column(value: Any) -> Any:
    """A JSON column's value as `fetch` returns it (text on both databases) as Python data."""
    return json.loads(value) if isinstance(value, str) else value


def time_column(value: dt.datetime | str) -> dt.datetime:
    """A timestamptz column's value as `fetch` returns it (aware on PostgreSQL; naive or text on
    SQLite, always UTC) as an aware datetime."""
    value = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Loader(Generic[K, V]):
    """Lookups by key that concurrent callers share (the DataLoader pattern): `load(key)` waits
    with the other callers of this loop turn for one `fetch_many(keys)` call, which gets each
    key once and must return one value per key, in order. Callers asking for the same key get
    the same value object: treat it as read-only. Reads stay live; nothing is cached. Inside a
    transaction it reads alone and directly, so the caller reads within its own transaction."""

    def __init__(self, fetch_many: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        self._fetch_many = fetch_many
        self._batcher: Batcher[K] = Batcher(self._fetch_distinct)

    async def _fetch_distinct(self, keys: list[K]) -> list[V]:
        # A metro gate's scans all name its one venue: one row fetched, not one per scan.
        distinct = list(dict.fromkeys(keys))
        by_key = dict(zip(distinct, await self._fetch_many(distinct), strict=False))
        return [by_key[key] for key in keys]

    async def load(self, key: K) -> V:
        return await self.soon(key)

    def soon(self, key: K) -> Awaitable[V]:
        """`load` started now and awaited later: the lookup overlaps the caller's own work.
        Await the result on every path (inside a transaction nothing runs until then)."""
        if in_transaction():
            return self._load_alone(key)
        return self._batcher.enqueue(key)

    async def _load_alone(self, key: K) -> V:
        return (await self._fetch_many([key]))[0]


def discard(pending: Awaitable[Any] | None) -> None:
    """Drop a lookup started with `Loader.soon` that is no longer needed, without the warnings
    an unawaited coroutine or an unread failure would log."""
    if asyncio.isfuture(pending):
        pending.add_done_callback(lambda done: done.cancelled() or done.exception())
    elif inspect.iscoroutine(pending):
        pending.close()


def any_of(column: str) -> str:
    """SQL that is true when `column` equals one of the values of one list argument (pass
    `list_arg(values)`): `= ANY($n)` on PostgreSQL, `IN (json_each(?))` on SQLite, so one
    statement serves any number of values."""
    return f"{column} = ANY({{}})" if not is_sqlite() else f"{column} IN (SELECT value FROM json_each({{}}))"


def list_arg(values: list[Any]) -> Any:
    if not is_sqlite():
        return list(values)
    return json.dumps([str(v) if isinstance(v, uuid.UUID) else v for v in values])


async def insert_rows(table: type[Table], rows: list[dict[str, Any]], *, skip_conflicts: bool = False) -> list[Any]:
    """One INSERT of `rows` (dicts with the same keys, by column name), inside the current
    transaction if there is one. For hot paths: it skips building a Table instance and a query
    per row. JSON columns are encoded here (by msgspec: several times faster than Piccolo's
    json.dumps, and any reader parses the text back to the same value).

    With `skip_conflicts`, a row that would break a unique constraint is left out (ON CONFLICT
    DO NOTHING; on PostgreSQL it first waits for a concurrent writer of the same key to end) and
    the primary keys of the rows written are returned, so the caller can tell who lost.

    On PostgreSQL the rows travel as one array per column (`unnest`), so one statement text
    serves every batch size: asyncpg prepares it once per connection, where a VALUES list per
    size would have filled (and churned) its statement cache under group commit."""
    if not rows:
        return []
    tail = ""
    if skip_conflicts:
        key = table._meta.primary_key._meta.db_column_name
        tail = f' ON CONFLICT DO NOTHING RETURNING "{key}"'
    names = list(rows[0])
    json_columns = _json_columns(table)

    columns = [
        [None if row[name] is None else _json_text(row[name]) for row in rows]
        if name in json_columns
        else [row[name] for row in rows]
        for name in names
    ]
    unnest = None if is_sqlite() else _unnest_insert(table, tuple(names))
    if unnest is not None:
        written = await fetch(unnest + tail, *columns)
    else:
        quoted = ", ".join(f'"{name}"' for name in names)
        one = "(" + ", ".join("{}" for _ in names) + ")"
        sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ' + ", ".join([one] * len(rows)) + tail
        written = await fetch(sql, *[value for row in zip(*columns, strict=False) for value in row])
    return [row[key] for row in written] if skip_conflicts else []


@functools.lru_cache(maxsize=64)
def _unnest_insert(table: type[Table], names: tuple[str, ...]) -> str | None:
    """The INSERT ... SELECT FROM unnest(...) statement, or None when a column is itself an
    array (unnest would flatten it): those tables take the VALUES form."""
    columns = {c._meta.db_column_name: c for c in table._meta.columns}
    if any(isinstance(columns[name], Array) for name in names):
        return None
    types = {name: column.column_type for name, column in columns.items()}
    quoted = ", ".join(f'"{name}"' for name in names)
    arrays = ", ".join("{}::" + types[name] + "[]" for name in names)
    return f'INSERT INTO "{table._meta.tablename}" ({quoted}) SELECT * FROM unnest({arrays})'


_json_encoder = msgspec.json.Encoder(enc_hook=str)


def _json_text(value: Any) -> str:
    return _json_encoder.encode(value).decode()


@functools.cache
def _json_columns(table: type[Table]) -> frozenset[str]:
    return frozenset(c._meta.db_column_name for c in table._meta.columns if isinstance(c, (JSON, JSONB)))


def transaction() -> SQLiteTransaction | PostgresTransaction:
    """A write transaction. On SQLite it takes the write lock up front (IMMEDIATE) so two
    read-then-write transactions cannot deadlock; PostgreSQL uses row versions (compare-and-set
    under `retrying`)."""
    eng = engine()
    if isinstance(eng, SQLiteEngine):
        return eng.transaction(transaction_type=TransactionType.immediate)
    return eng.transaction()


async def advisory_lock(key: int | str) -> None:
    """Serialise the writers that take `key` until their transactions end: one statement,
    pg_advisory_xact_lock, on PostgreSQL; nothing on SQLite, whose IMMEDIATE transactions
    already admit one writer at a time. An int is the lock's bigint itself; a str is hashed by
    PostgreSQL's hashtext(), so every worker (and every release) turns it into the same lock.
    Call it inside `transaction()`: outside one, PostgreSQL lets go at once."""
    if is_sqlite():
        return
    if isinstance(key, str):
        await fetch("SELECT pg_advisory_xact_lock(hashtext({}))", key)
    else:
        await fetch("SELECT pg_advisory_xact_lock({})", key)


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint failure, on SQLite or on PostgreSQL (SQLSTATE 23505)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc).upper()  # "UNIQUE constraint failed: cards_card.number"
    return getattr(exc, "sqlstate", None) == "23505"  # asyncpg's UniqueViolationError


def unique_clash(exc: BaseException, columns: Iterable[str]) -> str | None:
    """Which of `columns` ("table.column", each unique on its own) the unique violation `exc`
    names; None when `exc` is no unique violation or names another constraint. SQLite says the
    column; PostgreSQL the constraint, named "table_column_key" by default."""
    if not is_unique_violation(exc):
        return None
    if isinstance(exc, sqlite3.IntegrityError):
        text = str(exc)
        return next((name for name in columns if text.endswith(name)), None)
    constraint = getattr(exc, "constraint_name", None)  # asyncpg: "cards_card_number_key"
    if not constraint:
        return None
    return next((name for name in columns if constraint == name.replace(".", "_") + "_key"), None)


class Conflict(Exception):
    """A compare-and-set lost: the row changed (its version moved) since it was read. Raised
    inside `retrying`, it means read again and decide again."""


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    busy: Callable[[], BaseException],
    again: Callable[[Exception], bool] | None = None,
) -> T:
    """Run `attempt` (read, decide, compare-and-set) in a write transaction. When it raises
    Conflict, or an error `again` accepts (a random number that clashed, say), roll back, wait
    a moment and run it from the start: it re-reads, so it re-decides. `again` sees every other
    error and may raise one of its own instead. After `attempts` runs, raise `busy()`.

    Inside an outer transaction it runs once: the outermost `retrying` owns the retries."""
    if in_transaction():
        return await attempt()
    for tries in range(attempts):
        try:
            async with transaction():
                return await attempt()
        except Conflict:
            pass
        except Exception as exc:
            if again is None or not again(exc):
                raise
        # Jitter so racing writers do not meet again in lock step.
        await asyncio.sleep(random.uniform(0, 0.002 * (tries + 1)))
    raise busy()


async def _release_reset(connection: Connection) -> None:
    """What a pooled connection needs on release, and no more. asyncpg's default reset is a
    round trip per release (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL): a third of a
    verification's queries. Nothing here takes session locks, listens, keeps cursors or sets
    session variables (advisory locks are all transaction-scoped), so an open transaction
    left by an error is the only state to clear."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


async def start(settings: Settings) -> SQLiteEngine | PostgresEngine:
    eng = configure(settings)
    if isinstance(eng, PostgresEngine):
        await eng.start_connection_pool(min_size=1, max_size=10, reset=_release_reset)
    else:
        # WAL lets readers proceed while one writer commits.
        await eng.run_ddl("PRAGMA journal_mode=WAL")
    return eng


async def stop() -> None:
    if isinstance(_engine, PostgresEngine):
        await _engine.close_connection_pool()


async def ping() -> bool:
    try:
        await engine().run_ddl("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        return False


async def migrate(quiet: bool = False) -> None:
    """Run every feature's Piccolo migrations forwards."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


@contextlib.asynccontextmanager
async def lifespan(settings: Settings) -> AsyncIterator[SQLiteEngine | PostgresEngine]:
    eng = await start(settings)
    try:
        yield eng
    finally:
        await stop()

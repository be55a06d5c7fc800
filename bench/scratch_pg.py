"""The benchmarks' PostgreSQL: whether the local server answers, and admin statements (a scratch database made and dropped)."""

from __future__ import annotations

import os

PG = os.environ.get("YIKATONG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def pg_ok() -> bool:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG, timeout=3)
        await conn.close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here": the bench runs SQLite only
        return False


async def admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def url_of(dbname: str) -> str:
    """The URL of a scratch database on the same server."""
    return PG.rsplit("/", 1)[0] + "/" + dbname

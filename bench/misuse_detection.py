"""Misuse detection at scale: the simulated traffic of tests/enforcement/traffic.py (ordinary holders with planted
lending, impossible travel, withholding, a shared device, replay and forgery bursts, a venue outside its catalog)
written to a fresh database, then one misuse scan over its 72 hours, timed beside a plain
`SELECT COUNT(*)` of the same window and a plain read of its rows, both in the same run.

SQLite, and PostgreSQL when reachable (a database of its own, dropped after). Prints the scan time, its ratio
to the baselines, planted patterns found and false positives among the ordinary holders (docs/misuse.md,
"Measured"); nothing is asserted. `BENCH_MISUSE_HOLDERS` changes the population (default 30,000).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch_pg import admin, pg_ok, url_of  # noqa: E402

HOLDERS = int(os.environ.get("BENCH_MISUSE_HOLDERS", "30000"))
SEED = 20


async def _measure(setup: str, env: dict[str, str]) -> None:
    from backend.enforcement import detecting
    from backend.enforcement.tables import Signal
    from backend.lib import db
    from backend.lib.settings import load_settings
    from tests.enforcement import traffic

    settings = load_settings(environ=env, dotenv=None)
    end = traffic.far_future_end(random.Random(SEED))
    made = time.perf_counter()
    generated = traffic.generate(SEED, HOLDERS, end)
    generated_s = time.perf_counter() - made
    async with db.lifespan(settings):
        await db.migrate(quiet=True)
        written = time.perf_counter()
        counts = await traffic.write(generated)
        written_s = time.perf_counter() - written
        sql = "SELECT COUNT(*) AS n FROM venues_verification WHERE at >= {} AND at < {}"
        started = time.perf_counter()
        n = (await db.fetch(sql, generated.start, generated.end))[0]["n"]
        count_s = time.perf_counter() - started
        # Read once untimed: the first read after the bulk write pays for cold pages and statistics,
        # which the scan after it would not, and the ratio would flatter the scan.
        await detecting.read_uses(generated.start, generated.end)
        started = time.perf_counter()
        rows = len(await detecting.read_uses(generated.start, generated.end))
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        report = await detecting.run_scan(now=dt.datetime.now(dt.UTC), window_hours=72, end=end)
        scan_s = time.perf_counter() - started
        found = await Signal.select().where((Signal.window_end >= generated.start) & (Signal.window_end <= generated.end)).run()
    kinds = {(s["kind"], s["subject_kind"], s["subject_id"]) for s in found}
    hit = sum(1 for p in generated.planted if p in kinds)
    false = [s for s in found if s["subject_id"] not in generated.planted_subjects]
    print(
        f"  {setup}: {counts['holders']:,} holders, {counts['verifications']:,} verifications "
        f"(generated in {generated_s:.1f} s, written in {written_s:.1f} s)"
    )
    print(f"    baseline SELECT COUNT(*) of the window: {count_s * 1000:.0f} ms ({n:,} rows)")
    print(f"    baseline read of the window's rows (read_uses): {read_s * 1000:.0f} ms ({rows:,} rows)")
    print(
        f"    misuse scan: {scan_s * 1000:.0f} ms, x{scan_s / max(count_s, 1e-6):.0f} the count, "
        f"x{scan_s / max(read_s, 1e-6):.1f} the read; {report.signals_new} signals, {report.cases_opened} cases"
    )
    print(f"    planted found: {hit}/{len(generated.planted)}; false positives among ordinary holders: {len(false)}")
    for s in false[:10]:
        print(f"      {s['kind']} {s['subject_kind']}: {s['summary']}")


def main() -> int:
    print(f"Misuse detection: {HOLDERS:,} simulated holders over 72 hours, one scan, against a plain count of the window")
    setups: list[tuple[str, str | None]] = [("SQLite", None)]
    if asyncio.run(pg_ok()):
        setups.append(("PostgreSQL", f"yk_bench_misuse_{secrets.token_hex(4)}"))
    else:
        print("  (PostgreSQL not reachable: SQLite only)")
    for setup, dbname in setups:
        tmp = Path(tempfile.mkdtemp(prefix="ykbench-misuse-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_")}
        env.update(YIKATONG_ENV="test", YIKATONG_DATA_DIR=str(tmp / "data"), YIKATONG_LOG_LEVEL="WARNING")
        if dbname:
            asyncio.run(admin(f'CREATE DATABASE "{dbname}"'))
            env["YIKATONG_DATABASE_URL"] = url_of(dbname)
        try:
            asyncio.run(_measure(setup, env))
        finally:
            if dbname:
                asyncio.run(admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
